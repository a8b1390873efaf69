SELECT sum(a.sum) / sum(a.count) AS v0, sum(a.sum) AS v1, min(a.min) AS v2, max(a.max) AS v3, total(a.count) AS v4, last_by_time(a.last, a.last_ts) AS v5
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count, sum(a.sum) AS sum, min(a.min) AS min, max(a.max) AS max, last_by_time(a.last, a.last_ts) AS last, max(a.last_ts) AS last_ts FROM (SELECT metric_id, start, series_id, count, sum, min, max, last, last_ts FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum, min, max, last, last_ts FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["cpu",1795779240000,1795779300000,"cpu",1795779300000,1795782900000,1000]
-- notice: No lower bound on timestamp: the query reads the 1h before now (add e.g. timestamp > now() - 6h)
