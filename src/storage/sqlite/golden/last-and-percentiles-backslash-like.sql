SELECT s.type AS k0, last_by_time(a.last, a.last_ts) AS v0, sketch_union(a.sketch) AS v1, sketch_union(a.sketch) AS v2, min(a.min) AS v3, min(a.min) AS qmin, max(a.max) AS qmax
FROM (SELECT a.series_id AS series_id, min(a.min) AS min, max(a.max) AS max, last_by_time(a.last, a.last_ts) AS last, max(a.last_ts) AS last_ts, sketch_union(a.sketch) AS sketch FROM (SELECT metric_id, start, series_id, min, max, last, last_ts, sketch FROM agg_1m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, min, max, last, last_ts, sketch FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, min, max, last, last_ts, sketch FROM agg_1h WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ? UNION ALL SELECT metric_id, start, series_id, min, max, last, last_ts, sketch FROM agg_5m WHERE metric_id IN (SELECT m.id FROM metric AS m) AND start >= ? AND start < ?) AS a WHERE a.series_id IN (SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN (SELECT m.id FROM metric AS m) AND ((ifnull(json_extract(s.tags, ?), ?) GLOB ?) AND (ifnull(json_extract(s.tags, ?), ?) NOT GLOB ?))) GROUP BY a.series_id) AS a
JOIN series AS s ON s.id = a.series_id
JOIN metric AS m ON m.id = s.metric_id
GROUP BY k0
ORDER BY v0 DESC, k0 ASC
LIMIT ?

-- tier: 1m
-- sorted and limited in SQL: true
-- params: [1795761240000,1795761300000,1795761300000,1795762800000,1795762800000,1795780800000,1795780800000,1795782900000,"$.\"path\"","","C:\\temp%\\","$.\"path\"","","*\\q?",5]
