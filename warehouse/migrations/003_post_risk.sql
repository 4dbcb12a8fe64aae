-- 003: per-post risk for each brand a post mentions, computed by the score stage.
-- risk = p_negative x reach x severity (formula and weights: flows/scoring.py).
CREATE TABLE post_risk (
    post_key    VARCHAR NOT NULL,
    brand_id    VARCHAR NOT NULL,
    day         DATE NOT NULL,
    p_negative  DOUBLE NOT NULL,
    reach       DOUBLE NOT NULL,     -- 0.2 + author influence + engagement velocity
    severity    DOUBLE NOT NULL,     -- worst complaint area's severity, x1.5 with escalation intent
    risk        DOUBLE NOT NULL,
    PRIMARY KEY (post_key, brand_id)
);
