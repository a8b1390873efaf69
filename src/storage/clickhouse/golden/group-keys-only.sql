SELECT service_name AS k0, metric_name AS k1, type AS k2
FROM vantage.metrics
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32})
GROUP BY k0, k1, k2
ORDER BY k0 ASC NULLS FIRST, k1 ASC NULLS FIRST, k2 ASC NULLS FIRST
LIMIT {p2:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795696440,"p1":1795782900,"p2":1000}
