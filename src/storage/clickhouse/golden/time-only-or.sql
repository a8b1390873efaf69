SELECT sum(samples) AS v0
FROM vantage.metric_agg_1h
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32})
LIMIT {p2:UInt64}

-- tier: 1h
-- sorted and limited in SQL: true
-- params: {"p0":1795773600,"p1":1795777200,"p2":1000}
