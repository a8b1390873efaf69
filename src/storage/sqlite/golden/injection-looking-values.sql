SELECT m.service AS k0, total(a.count) AS v0
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count FROM (SELECT metric_id, start, series_id, count FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service = ?) AND (m.name GLOB ?)) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service = ?) AND (m.name GLOB ?)) AND start >= ? AND start < ?) AS a WHERE a.series_id IN (SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service = ?) AND (m.name GLOB ?)) AND ((m.service = ?) AND (ifnull(json_extract(s.tags, ?), ?) = ?) AND (m.name GLOB ?))) GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["x' OR '1'='1","*'; SELECT*",1795779240000,1795779300000,"x' OR '1'='1","*'; SELECT*",1795779300000,1795782900000,"x' OR '1'='1","*'; SELECT*","x' OR '1'='1","$.\"a b'; DROP TABLE metric; --\"","","back\\slash","*'; SELECT*",1000]
