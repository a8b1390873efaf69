SELECT ifnull(json_extract(s.tags, ?), ?) AS k0, sum(CASE s.type WHEN ? THEN a.sum ELSE a.count END) / ? AS v0
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count, sum(a.sum) AS sum FROM (SELECT metric_id, start, series_id, count, sum FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service = ?) AND (m.name = ?)) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service = ?) AND (m.name = ?)) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY v0 DESC, k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["$.\"route\"","","counter",960,"checkout","http_requests_total",1795781940000,1795782000000,"checkout","http_requests_total",1795782000000,1795782900000,10]
