SELECT a.k0 AS k0, m.service AS k1, last_by_time(a.last, a.last_ts) AS v0
FROM (SELECT a.series_id AS series_id, (a.start - a.start % ?) AS k0, last_by_time(a.last, a.last_ts) AS last, max(a.last_ts) AS last_ts FROM agg_1h AS a WHERE a.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.name = ?)) AND a.start >= ? AND a.start < ? GROUP BY a.series_id, k0) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0, k1
ORDER BY v0 DESC, k1 ASC, k0 ASC
LIMIT ?

-- tier: 1h
-- sorted and limited in SQL: true
-- params: [7200000,"queue_depth",1795694400000,1795788000000,1000]
