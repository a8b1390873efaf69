SELECT tags[{p0:String}] AS k0, sum(value_sum) AS v0
FROM (SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, tuple(last_ts, value_last) AS last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics WHERE timestamp >= toDateTime({p1:UInt32}) AND timestamp < toDateTime({p2:UInt32}) AND (NOT ((tags[{p3:String}] = {p4:String}) OR (tags[{p5:String}] != {p6:String})) AND (type = {p7:String})) UNION ALL SELECT service_name, metric_name, type, tags, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metrics_5m WHERE timestamp >= toDateTime({p8:UInt32}) AND timestamp < toDateTime({p9:UInt32}) AND (NOT ((tags[{p10:String}] = {p11:String}) OR (tags[{p12:String}] != {p13:String})) AND (type = {p14:String})))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p15:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"deploy.track","p1":1795781040,"p2":1795781100,"p3":"deploy.track","p4":"canary","p5":"env","p6":"prod","p7":"counter","p8":1795781100,"p9":1795782900,"p10":"deploy.track","p11":"canary","p12":"env","p13":"prod","p14":"counter","p15":1000}
