SELECT service_name AS k0, intDiv(toUnixTimestamp(timestamp), {p0:UInt64}) * {p1:UInt64} AS k1, sum(value_sum) / sum(samples) AS v0, sum(sketch_zero) AS qzero, sumMap(sketch_pos) AS qpos, sumMap(sketch_neg) AS qneg, min(value_min) AS qmin, max(value_max) AS qmax
FROM vantage.metrics_5m
WHERE timestamp >= toDateTime({p2:UInt32}) AND timestamp < toDateTime({p3:UInt32}) AND ((metric_name = {p4:String}) AND (tags[{p5:String}] = {p6:String}))
GROUP BY k0, k1
ORDER BY k0 ASC NULLS FIRST, k1 ASC NULLS FIRST
LIMIT {p7:UInt64}

-- tier: 5m
-- sorted and limited in SQL: true
-- params: {"p0":300,"p1":300000,"p2":1795779000,"p3":1795782900,"p4":"http_request_duration_ms","p5":"route","p6":"/pay","p7":100}
