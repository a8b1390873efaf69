SELECT service_name AS k0, sum(value_sum) / sum(samples) AS v0
FROM (SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1m WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1h WHERE timestamp >= toDateTime({p2:UInt32}) AND timestamp < toDateTime({p3:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1d WHERE timestamp >= toDateTime({p4:UInt32}) AND timestamp < toDateTime({p5:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_1h WHERE timestamp >= toDateTime({p6:UInt32}) AND timestamp < toDateTime({p7:UInt32}) UNION ALL SELECT service_name, metric_name, type, timestamp, samples, value_sum, value_min, value_max, last_at, sketch_zero, sketch_pos, sketch_neg FROM vantage.metric_agg_5m WHERE timestamp >= toDateTime({p8:UInt32}) AND timestamp < toDateTime({p9:UInt32}))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p10:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1234560,"p1":1234800,"p2":1234800,"p3":1296000,"p4":1296000,"p5":1795737600,"p6":1795737600,"p7":1795780800,"p8":1795780800,"p9":1795782900,"p10":1000}
-- notice: timestamp 1234567890 is read as epoch milliseconds (1970-01-15T06:56:07.890Z); for seconds, multiply by 1000
