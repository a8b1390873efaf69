SELECT m.service AS k0, max(a.max) AS v0
FROM (SELECT a.series_id AS series_id, max(a.max) AS max FROM (SELECT metric_id, start, series_id, max FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service IN (?, ?))) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, max FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service IN (?, ?))) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, max FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service IN (?, ?))) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, max FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service IN (?, ?))) AND start >= ? AND start < ?) AS a WHERE a.series_id IN (SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN (SELECT m.id FROM metric AS m WHERE (m.service IN (?, ?))) AND ((m.service IN (?, ?)) AND (ifnull(json_extract(s.tags, ?), ?) NOT IN (?, ?)))) GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: ["billing","checkout",1795775640000,1795775700000,"billing","checkout",1795775700000,1795777200000,"billing","checkout",1795777200000,1795780800000,"billing","checkout",1795780800000,1795782900000,"billing","checkout","billing","checkout","$.\"env\"","","dev","test",1000]
