SELECT tags[{p0:String}] AS k0, sum(value_sum) / sum(samples) AS v0, max(value_max) AS v1
FROM vantage.metrics
WHERE timestamp >= toDateTime({p1:UInt32}) AND timestamp < toDateTime({p2:UInt32}) AND (metric_name = {p3:String})
GROUP BY k0
ORDER BY v1 DESC NULLS LAST, k0 ASC NULLS FIRST
LIMIT {p4:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"host","p1":1795779240,"p2":1795782900,"p3":"mem","p4":5}
