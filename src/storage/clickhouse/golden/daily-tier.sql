SELECT intDiv(toUnixTimestamp(timestamp), {p0:UInt64}) * {p1:UInt64} AS k0, sum(sketch_zero) AS qzero, sumMap(sketch_pos) AS qpos, sumMap(sketch_neg) AS qneg, min(value_min) AS qmin, max(value_max) AS qmax
FROM vantage.metric_agg_1d
WHERE timestamp >= toDateTime({p2:UInt32}) AND timestamp < toDateTime({p3:UInt32}) AND (metric_name = {p4:String})
GROUP BY k0
ORDER BY k0 DESC NULLS LAST
LIMIT {p5:UInt64}

-- tier: 1d
-- sorted and limited in SQL: true
-- params: {"p0":86400,"p1":86400000,"p2":1793491200,"p3":1796083200,"p4":"db_query_ms","p5":1000}
