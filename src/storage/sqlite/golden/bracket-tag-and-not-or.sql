SELECT ifnull(json_extract(s.tags, ?), ?) AS k0, sum(a.sum) AS v0
FROM (SELECT a.series_id AS series_id, sum(a.sum) AS sum FROM (SELECT metric_id, start, series_id, sum FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, sum FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ?) AS a WHERE a.series_id IN (SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN (SELECT m.id FROM metric AS m) AND (NOT ((ifnull(json_extract(s.tags, ?), ?) = ?) OR (ifnull(json_extract(s.tags, ?), ?) != ?)) AND (s.type = ?))) GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["$.\"deploy.track\"","",1795781040000,1795781100000,1795781100000,1795782900000,"$.\"deploy.track\"","","canary","$.\"env\"","","prod","counter",1000]
