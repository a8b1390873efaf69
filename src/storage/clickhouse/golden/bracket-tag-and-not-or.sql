SELECT tags[{p0:String}] AS k0, sum(value_sum) AS v0
FROM vantage.metrics
WHERE timestamp >= toDateTime({p1:UInt32}) AND timestamp < toDateTime({p2:UInt32}) AND (NOT ((tags[{p3:String}] = {p4:String}) OR (tags[{p5:String}] != {p6:String})) AND (type = {p7:String}))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p8:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":"deploy.track","p1":1795781040,"p2":1795782900,"p3":"deploy.track","p4":"canary","p5":"env","p6":"prod","p7":"counter","p8":1000}
