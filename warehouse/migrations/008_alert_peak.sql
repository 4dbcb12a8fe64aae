-- 008: an alert keeps its worst day beside its latest one. An episode that runs over
-- several days used to show only the latest day's reason ("9 negative posts ... on 11-25"),
-- so a PR team opening it days later could not see that it peaked at 18 two days before.
-- strength is rule-specific (flows/alerts.py: negatives against the spike threshold, share
-- points above baseline, influence, cluster size, unanswered posts); it only ranks the days
-- of one alert. Alerts from before this migration kept no peak: their latest day stands in.
ALTER TABLE alerts ADD COLUMN peak_day DATE;
ALTER TABLE alerts ADD COLUMN peak_reason VARCHAR;
ALTER TABLE alerts ADD COLUMN peak_strength DOUBLE;
UPDATE alerts SET peak_day = last_day, peak_reason = reason;

-- explanation: what a person reads first, the worst day's reason and, when the episode
-- went on after it, the latest day's too.
CREATE OR REPLACE VIEW v_open_alerts AS
SELECT alert_id, brand_id AS brand, rule, severity, status, day, last_day, reason, thresholds,
       evidence, opened_at, updated_at, peak_day, peak_reason,
       CASE WHEN peak_day IS NULL OR peak_day = last_day THEN reason
            ELSE 'Worst day: ' || peak_reason || ' Latest: ' || reason END AS explanation
FROM alerts
WHERE status IN ('open', 'acknowledged')
ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, opened_at;
