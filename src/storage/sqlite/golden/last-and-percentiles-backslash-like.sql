SELECT s.type AS k0, last_by_time(a.last, a.last_ts) AS v0, sketch_union(a.sketch) AS v1, sketch_union(a.sketch) AS v2, min(a.min) AS v3, min(a.min) AS qmin, max(a.max) AS qmax
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND ((ifnull(json_extract(s.tags, ?), ?) GLOB ?) AND (ifnull(json_extract(s.tags, ?), ?) NOT GLOB ?))
GROUP BY k0
ORDER BY v0 DESC, k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795761240000,1795782900000,"$.\"path\"","","C:\\temp%\\","$.\"path\"","","*\\q?",5]
