SELECT service_name AS k0, max(value_max) AS v0
FROM vantage.metrics
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((service_name IN ({p2:String}, {p3:String})) AND (tags[{p4:String}] NOT IN ({p5:String}, {p6:String})))
GROUP BY k0
ORDER BY k0 ASC NULLS FIRST
LIMIT {p7:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795775640,"p1":1795782900,"p2":"billing","p3":"checkout","p4":"env","p5":"dev","p6":"test","p7":1000}
