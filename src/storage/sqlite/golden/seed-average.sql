SELECT m.service AS k0, sum(a.sum) / sum(a.count) AS v0
FROM (SELECT a.series_id AS series_id, sum(a.count) AS count, sum(a.sum) AS sum FROM (SELECT metric_id, start, series_id, count, sum FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum FROM agg_1d WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, count, sum FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ?) AS a GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1234560000,1234800000,1234800000,1296000000,1296000000,1795737600000,1795737600000,1795780800000,1795780800000,1795782900000,1000]
-- notice: timestamp 1234567890 is read as epoch milliseconds (1970-01-15T06:56:07.890Z); for seconds, multiply by 1000
