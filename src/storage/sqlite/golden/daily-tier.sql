SELECT (a.start - a.start % ?) AS k0, sketch_union(a.sketch) AS v0, sketch_union(a.sketch) AS v1, min(a.min) AS qmin, max(a.max) AS qmax
FROM agg_1d AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND a.start >= ? AND a.start < ?
GROUP BY k0
ORDER BY k0 DESC
LIMIT ?

-- tier: 1d
-- sorted and limited in SQL: true
-- params: [86400000,"db_query_ms",1793491200000,1796083200000,1000]
