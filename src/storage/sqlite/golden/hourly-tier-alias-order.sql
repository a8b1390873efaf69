SELECT (a.start - a.start % ?) AS k0, m.service AS k1, last_by_time(a.last, a.last_ts) AS v0
FROM agg_1h AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND a.start >= ? AND a.start < ? AND (m.name = ?)
GROUP BY k0, k1
ORDER BY v0 DESC, k1 ASC, k0 ASC
LIMIT ?

-- tier: 1h
-- sorted and limited in SQL: true
-- params: [7200000,"queue_depth",1795694400000,1795788000000,"queue_depth",1000]
