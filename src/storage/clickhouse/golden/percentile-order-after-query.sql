SELECT service_name AS k0, tags[{p0:String}] AS k1, sum(samples) AS v1, sum(sketch_zero) AS qzero, sumMap(sketch_pos) AS qpos, sumMap(sketch_neg) AS qneg, min(value_min) AS qmin, max(value_max) AS qmax
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_1h WHERE timestamp >= toDateTime({p1:UInt32}) AND timestamp < toDateTime({p2:UInt32}) AND (metric_name = {p3:String}) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p4:UInt32}) AND timestamp < toDateTime({p5:UInt32}) AND (metric_name = {p6:String}))
GROUP BY k0, k1

-- tier: 1m
-- sorted and limited in SQL: false
-- params: {"p0":"route","p1":1795773600,"p2":1795780800,"p3":"http_request_duration_ms","p4":1795780800,"p5":1795780860,"p6":"http_request_duration_ms"}
