SELECT tags[{p0:String}] AS k0, sum(value_sum) / sum(samples) AS v0, max(value_max) AS v1
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p1:UInt32}) AND timestamp < toDateTime({p2:UInt32}) AND (metric_name = {p3:String}) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p4:UInt32}) AND timestamp < toDateTime({p5:UInt32}) AND (metric_name = {p6:String}))
GROUP BY k0
ORDER BY v1 DESC NULLS LAST, k0 ASC NULLS FIRST
LIMIT {p7:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"host","p1":1795779240,"p2":1795779300,"p3":"mem","p4":1795779300,"p5":1795782900,"p6":"mem","p7":5}
