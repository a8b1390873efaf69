SELECT ifnull(json_extract(s.tags, ?), ?) AS k0, sum(a.sum) AS v0
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ? AND (NOT ((ifnull(json_extract(s.tags, ?), ?) = ?) OR (ifnull(json_extract(s.tags, ?), ?) != ?)) AND (s.type = ?))
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["$.\"deploy.track\"","",1795781040000,1795782900000,"$.\"deploy.track\"","","canary","$.\"env\"","","prod","counter",1000]
