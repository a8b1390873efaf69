SELECT m.service AS k0, ifnull(json_extract(s.tags, ?), ?) AS k1, sketch_union(a.sketch) AS v0, total(a.count) AS v1, min(a.min) AS qmin, max(a.max) AS qmax
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count, min(a.min) AS min, max(a.max) AS max, sketch_union(a.sketch) AS sketch FROM (SELECT metric_id, start, series_id, count, min, max, sketch FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, min, max, sketch FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0, k1

-- tier: 1m
-- sorted and limited in SQL: false
-- params: ["$.\"route\"","","http_request_duration_ms",1795773600000,1795780800000,"http_request_duration_ms",1795780800000,1795780860000]
