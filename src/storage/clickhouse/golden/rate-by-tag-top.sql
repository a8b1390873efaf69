SELECT tags[{p0:String}] AS k0, sum(if(type = {p1:String}, value_sum, toFloat64(samples))) / {p2:Float64} AS v0
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p3:UInt32}) AND timestamp < toDateTime({p4:UInt32}) AND ((service_name = {p5:String}) AND (metric_name = {p6:String})) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p7:UInt32}) AND timestamp < toDateTime({p8:UInt32}) AND ((service_name = {p9:String}) AND (metric_name = {p10:String})))
GROUP BY k0
ORDER BY v0 DESC NULLS LAST, k0 ASC NULLS FIRST
LIMIT {p11:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"route","p1":"counter","p2":960,"p3":1795781940,"p4":1795782000,"p5":"checkout","p6":"http_requests_total","p7":1795782000,"p8":1795782900,"p9":"checkout","p10":"http_requests_total","p11":10}
