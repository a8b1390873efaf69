SELECT sum(a.sum) / sum(a.count) AS v0, sum(a.sum) AS v1, min(a.min) AS v2, max(a.max) AS v3, total(a.count) AS v4, last_by_time(a.last, a.last_ts) AS v5
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND (m.name = ?)
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795779240000,1795782900000,"cpu",1000]
-- notice: No lower bound on timestamp: the query reads the 1h before now (add e.g. timestamp > now() - 6h)
