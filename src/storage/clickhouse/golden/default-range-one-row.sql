SELECT sumOrNull(value_sum) / sumOrNull(samples) AS v0, sumOrNull(value_sum) AS v1, minOrNull(value_min) AS v2, maxOrNull(value_max) AS v3, sum(samples) AS v4, argMaxOrNull(tupleElement(last_at, 2), last_at) AS v5
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND (metric_name = {p2:String}) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p3:UInt32}) AND timestamp < toDateTime({p4:UInt32}) AND (metric_name = {p5:String}))
LIMIT {p6:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795779300,"p2":"cpu","p3":1795779300,"p4":1795782900,"p5":"cpu","p6":1000}
-- notice: No lower bound on timestamp: the query reads the 1h before now (add e.g. timestamp > now() - 6h)
