SELECT metric_name AS k0, sum(samples) AS v0
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((metric_name LIKE {p2:String}) AND (service_name NOT LIKE {p3:String})) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p4:UInt32}) AND timestamp < toDateTime({p5:UInt32}) AND ((metric_name LIKE {p6:String}) AND (service_name NOT LIKE {p7:String})))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p8:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795779300,"p2":"http\\_%","p3":"%[canary]*","p4":1795779300,"p5":1795782900,"p6":"http\\_%","p7":"%[canary]*","p8":1000}
