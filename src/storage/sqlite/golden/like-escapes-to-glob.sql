SELECT m.name AS k0, total(a.count) AS v0
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND ((m.name GLOB ?) AND (m.service NOT GLOB ?))
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795779240000,1795782900000,"http_*","*[[]canary][*]",1000]
