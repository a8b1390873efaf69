SELECT service_name AS k0, sum(samples) AS v0
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((service_name = {p2:String}) AND (tags[{p3:String}] = {p4:String}) AND (metric_name LIKE {p5:String})) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p6:UInt32}) AND timestamp < toDateTime({p7:UInt32}) AND ((service_name = {p8:String}) AND (tags[{p9:String}] = {p10:String}) AND (metric_name LIKE {p11:String})))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p12:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795779300,"p2":"x' OR '1'='1","p3":"a b'; DROP TABLE metric; --","p4":"back\\slash","p5":"%'; SELECT%","p6":1795779300,"p7":1795782900,"p8":"x' OR '1'='1","p9":"a b'; DROP TABLE metric; --","p10":"back\\slash","p11":"%'; SELECT%","p12":1000}
