SELECT tags[{p0:String}] AS k0, sum(if(type = {p1:String}, value_sum, toFloat64(samples))) / {p2:Float64} AS v0
FROM vantage.metrics
WHERE timestamp >= toDateTime({p3:UInt32}) AND timestamp < toDateTime({p4:UInt32}) AND ((service_name = {p5:String}) AND (metric_name = {p6:String}))
GROUP BY k0
ORDER BY v0 DESC NULLS LAST, k0 ASC NULLS FIRST
LIMIT {p7:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"route","p1":"counter","p2":960,"p3":1795781940,"p4":1795782900,"p5":"checkout","p6":"http_requests_total","p7":10}
