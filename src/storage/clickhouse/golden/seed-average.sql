SELECT service_name AS k0, sum(value_sum) / sum(samples) AS v0
FROM vantage.metrics
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32})
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p2:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1234560,"p1":1795782900,"p2":1000}
-- notice: timestamp 1234567890 is read as epoch milliseconds (1970-01-15T06:56:07.890Z); for seconds, multiply by 1000
