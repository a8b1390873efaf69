SELECT service_name AS k0, sum(samples) AS v0
FROM vantage.metrics
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((service_name = {p2:String}) AND (tags[{p3:String}] = {p4:String}) AND (metric_name LIKE {p5:String}))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p6:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795779240,"p1":1795782900,"p2":"x' OR '1'='1","p3":"a b'; DROP TABLE metric; --","p4":"back\\slash","p5":"%'; SELECT%","p6":1000}
