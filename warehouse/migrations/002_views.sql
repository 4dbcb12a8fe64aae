-- 002: analyst views. Names are a contract: dashboards and saved queries rely on them.
CREATE OR REPLACE VIEW v_post_brand AS
SELECT p.post_key, p.source_id, p.kind, p.url, p.author_key, p.published_at, p.local_day,
       p.text_raw, p.text_clean, p.likes, p.replies, p.views,
       a.language, a.script, a.label, a.p_negative, a.p_neutral, a.p_positive,
       a.aspects, a.intents, a.model_id, a.model_version, b.brand_id
FROM posts p
JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
CROSS JOIN UNNEST(a.brands) AS b(brand_id);

CREATE OR REPLACE VIEW v_daily_sentiment AS
SELECT local_day AS day, brand_id AS brand, source_id AS source, language,
       count(*) FILTER (WHERE label = 'negative') AS negative,
       count(*) FILTER (WHERE label = 'neutral') AS neutral,
       count(*) FILTER (WHERE label = 'positive') AS positive,
       count(*) AS total
FROM v_post_brand
GROUP BY ALL;

CREATE OR REPLACE VIEW v_open_alerts AS
SELECT alert_id, brand_id AS brand, rule, severity, status, day, last_day, reason, thresholds,
       evidence, opened_at, updated_at
FROM alerts
WHERE status IN ('open', 'acknowledged')
ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, opened_at;

CREATE OR REPLACE VIEW v_advocates AS
SELECT s.brand_id AS brand, s.author_key, au.display_name AS author, au.source_id AS source,
       au.profile_url, s.advocacy, s.detraction, s.influence, s.mentions, s.day AS latest_day
FROM author_scores s
JOIN authors au USING (author_key)
WHERE s.day = (SELECT max(day) FROM author_scores x WHERE x.brand_id = s.brand_id);

CREATE OR REPLACE VIEW v_complaint_pareto AS
WITH complaints AS (
    SELECT brand_id AS brand, asp.aspect AS aspect, count(*) AS complaints
    FROM v_post_brand, UNNEST(aspects) AS t(asp)
    WHERE asp.polarity = 'negative'
    GROUP BY ALL
)
SELECT brand, aspect, complaints AS count,
       sum(complaints) OVER (PARTITION BY brand ORDER BY complaints DESC, aspect
                             ROWS UNBOUNDED PRECEDING) / sum(complaints) OVER (PARTITION BY brand)
           AS cumulative_share
FROM complaints
ORDER BY brand, complaints DESC, aspect;
