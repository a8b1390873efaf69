SELECT metric_name AS k0, sum(samples) AS v0
FROM vantage.metric_agg_1m
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((metric_name LIKE {p2:String}) AND (service_name NOT LIKE {p3:String}))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p4:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795782900,"p2":"http\\_%","p3":"%[canary]*","p4":1000}
