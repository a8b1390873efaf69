SELECT m.service AS k0, sum(a.sum) / sum(a.count) AS v0
FROM agg_1m AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
WHERE a.start >= ? AND a.start < ?
GROUP BY k0
ORDER BY k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1234560000,1795782900000,1000]
-- notice: timestamp 1234567890 is read as epoch milliseconds (1970-01-15T06:56:07.890Z); for seconds, multiply by 1000
