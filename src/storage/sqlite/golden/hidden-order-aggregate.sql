SELECT ifnull(json_extract(s.tags, ?), ?) AS k0, sum(a.sum) / sum(a.count) AS v0, max(a.max) AS v1
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND (m.name = ?)
GROUP BY k0
ORDER BY v1 DESC, k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["$.\"host\"","",1795779240000,1795782900000,"mem",5]
