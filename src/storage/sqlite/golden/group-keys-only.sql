SELECT m.service AS k0, m.name AS k1, s.type AS k2
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ?
GROUP BY k0, k1, k2
ORDER BY k0 ASC, k1 ASC, k2 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795696440000,1795782900000,1000]
