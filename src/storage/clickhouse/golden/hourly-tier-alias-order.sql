SELECT intDiv(toUnixTimestamp(timestamp), {p0:UInt64}) * {p1:UInt64} AS k0, service_name AS k1, argMax(tupleElement(last_at, 2), last_at) AS v0
FROM vantage.metric_agg_1h
WHERE timestamp >= toDateTime({p2:UInt32}) AND timestamp < toDateTime({p3:UInt32}) AND (metric_name = {p4:String})
GROUP BY k0, k1
ORDER BY v0 DESC NULLS LAST, k1 ASC NULLS FIRST, k0 ASC NULLS FIRST
LIMIT {p5:UInt64}

-- tier: 1h
-- sorted and limited in SQL: true
-- params: {"p0":7200,"p1":7200000,"p2":1795694400,"p3":1795788000,"p4":"queue_depth","p5":1000}
