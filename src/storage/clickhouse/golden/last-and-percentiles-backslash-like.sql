SELECT type AS k0, argMax(value_last, (last_ts, value_last)) AS v0, min(value_min) AS v3, sum(sketch_zero) AS qzero, sumMap(sketch_pos) AS qpos, sumMap(sketch_neg) AS qneg, min(value_min) AS qmin, max(value_max) AS qmax
FROM vantage.metrics
WHERE timestamp >= toDateTime({p0:UInt32}) AND timestamp < toDateTime({p1:UInt32}) AND ((tags[{p2:String}] LIKE {p3:String}) AND (tags[{p4:String}] NOT LIKE {p5:String}))
GROUP BY k0
ORDER BY v0 DESC NULLS LAST, k0 ASC NULLS FIRST
LIMIT {p6:UInt64}

-- tier: 1m
-- sorted and limited in SQL: true
-- params: {"p0":1795761240,"p1":1795782900,"p2":"path","p3":"C:\\\\temp\\%\\\\","p4":"path","p5":"%\\\\q_","p6":5}
