SELECT m.service AS k0, (a.start - a.start % ?) AS k1, sum(a.sum) / sum(a.count) AS v0, sketch_union(a.sketch) AS v1, min(a.min) AS qmin, max(a.max) AS qmax
FROM agg_5m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND a.start >= ? AND a.start < ? AND a.series_id IN (SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND ((m.name = ?) AND (ifnull(json_extract(s.tags, ?), ?) = ?)))
GROUP BY k0, k1
ORDER BY k0 ASC, k1 ASC
LIMIT ?

-- tier: 5m
-- sorted and limited in SQL: true
-- params: [300000,"http_request_duration_ms",1795779000000,1795782900000,"http_request_duration_ms","http_request_duration_ms","$.\"route\"","","/pay",100]
