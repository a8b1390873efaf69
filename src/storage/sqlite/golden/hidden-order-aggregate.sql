SELECT ifnull(json_extract(s.tags, ?), ?) AS k0, sum(a.sum) / sum(a.count) AS v0, max(a.max) AS v1
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count, sum(a.sum) AS sum, max(a.max) AS max FROM (SELECT metric_id, start, series_id, count, sum, max FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum, max FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY v1 DESC, k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["$.\"host\"","","mem",1795779240000,1795779300000,"mem",1795779300000,1795782900000,5]
