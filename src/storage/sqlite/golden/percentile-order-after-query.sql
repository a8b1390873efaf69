SELECT m.service AS k0, ifnull(json_extract(s.tags, ?), ?) AS k1, sketch_union(a.sketch) AS v0, total(a.count) AS v1, min(a.min) AS qmin, max(a.max) AS qmax
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND (m.name = ?)
GROUP BY k0, k1

-- tier: 1m
-- sorted and limited in SQL: false
-- params: ["$.\"route\"","",1795773600000,1795780860000,"http_request_duration_ms"]
