SELECT m.service AS k0, m.name AS k1, s.type AS k2
FROM (SELECT a.series_id AS series_id FROM (SELECT metric_id, start, series_id FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0, k1, k2
ORDER BY k0 ASC, k1 ASC, k2 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795696440000,1795696500000,1795696500000,1795698000000,1795698000000,1795780800000,1795780800000,1795782900000,1000]
