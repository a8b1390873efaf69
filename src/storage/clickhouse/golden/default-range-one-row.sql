SELECT sumOrNull(value_sum) / sumOrNull(samples) AS v0, sumOrNull(value_sum) AS v1, minOrNull(value_min) AS v2, maxOrNull(value_max) AS v3, sum(samples) AS v4, argMaxOrNull(tupleElement(last_at, 2), last_at) AS v5
FROM vantage.metric_agg_1m
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND (metric_name = {p2:String})
LIMIT {p3:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795782900,"p2":"cpu","p3":1000}
-- notice: No lower bound on timestamp: the query reads the 1h before now (add e.g. timestamp > now() - 6h)
