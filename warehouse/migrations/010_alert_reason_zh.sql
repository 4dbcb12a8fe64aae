-- 010: every alert explains itself in Chinese too. The dashboard has a Chinese interface and
-- koubei's users are PR teams watching Chinese customer talk, but reasons were English
-- sentences only ("18 negative posts about lumo on ..."). Each rule now writes its reason in
-- both languages (flows/alerts.py); explanation_zh reads like explanation. Alerts from
-- before this migration have no Chinese reason: their English one stands in, in a Chinese frame.
ALTER TABLE alerts ADD COLUMN reason_zh VARCHAR;
ALTER TABLE alerts ADD COLUMN peak_reason_zh VARCHAR;

CREATE OR REPLACE VIEW v_open_alerts AS
SELECT alert_id, brand_id AS brand, rule, severity, status, day, last_day, reason, thresholds,
       evidence, opened_at, updated_at, peak_day, peak_reason,
       CASE WHEN peak_day IS NULL OR peak_day = last_day THEN reason
            ELSE 'Worst day: ' || peak_reason || ' Latest: ' || reason END AS explanation,
       CASE WHEN peak_day IS NULL OR peak_day = last_day THEN coalesce(reason_zh, reason)
            ELSE '最严重的一天：' || coalesce(peak_reason_zh, peak_reason) || ' 最新：' || coalesce(reason_zh, reason)
            END AS explanation_zh
FROM alerts
WHERE status IN ('open', 'acknowledged')
ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, opened_at;
