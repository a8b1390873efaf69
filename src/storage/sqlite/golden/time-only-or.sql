SELECT total(a.count) AS v0
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count FROM agg_1h AS a WHERE a.metric_id IN (SELECT m.id FROM metric AS m) AND a.start >= ? AND a.start < ? GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
LIMIT ?

-- tier: 1h
-- sorted and limited in SQL: true
-- params: [1795773600000,1795777200000,1000]
