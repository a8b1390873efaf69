SELECT service_name AS k0, metric_name AS k1, type AS k2
FROM (SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1m WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_5m WHERE timestamp >= toDateTime({p2:UInt32}) AND timestamp < toDateTime({p3:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1h WHERE timestamp >= toDateTime({p4:UInt32}) AND timestamp < toDateTime({p5:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_5m WHERE timestamp >= toDateTime({p6:UInt32}) AND timestamp < toDateTime({p7:UInt32}))
GROUP BY k0, k1, k2
ORDER BY k0 ASC NULLS FIRST, k1 ASC NULLS FIRST, k2 ASC NULLS FIRST
LIMIT {p8:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795696440,"p1":1795696500,"p2":1795696500,"p3":1795698000,"p4":1795698000,"p5":1795780800,"p6":1795780800,"p7":1795782900,"p8":1000}
