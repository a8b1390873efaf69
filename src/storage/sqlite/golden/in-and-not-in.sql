SELECT m.service AS k0, max(a.max) AS v0
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND ((m.service IN (?, ?)) AND (ifnull(json_extract(s.tags, ?), ?) NOT IN (?, ?)))
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795775640000,1795782900000,"billing","checkout","$.\"env\"","","dev","test",1000]
