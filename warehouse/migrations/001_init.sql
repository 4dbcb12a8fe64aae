-- 001: core tables. Timestamps are UTC (TIMESTAMPTZ); local_day is the calendar day in
-- the project's timezone, computed at load so daily views need no timezone maths.
CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    start_url   VARCHAR,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE brands (
    brand_id    VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    competitor  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE crawl_runs (
    run_id        VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    flow          VARCHAR NOT NULL,
    run_date      DATE NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- running, ok, failed
    pages         INTEGER DEFAULT 0,
    items         INTEGER DEFAULT 0,
    rejected      INTEGER DEFAULT 0,
    loaded        INTEGER DEFAULT 0,
    errors        JSON,                      -- {"kind": count, ...}
    staging_file  VARCHAR,
    PRIMARY KEY (run_id, source_id)
);

CREATE TABLE authors (
    author_key    VARCHAR PRIMARY KEY,       -- sha1(source_id | platform id or profile url or name)
    source_id     VARCHAR NOT NULL,
    platform_id   VARCHAR,
    display_name  VARCHAR NOT NULL,
    profile_url   VARCHAR,
    followers     INTEGER,
    post_count    INTEGER,
    rank          VARCHAR,
    first_seen    TIMESTAMPTZ,
    last_seen     TIMESTAMPTZ
);

-- No PRIMARY KEY index on posts: DuckDB's ART index halves bulk-insert speed. post_key
-- stays unique because the loader (the only writer) updates known keys and inserts only
-- new ones, in one transaction (warehouse/load.py); tests assert the uniqueness.
CREATE TABLE posts (
    post_key       VARCHAR NOT NULL,         -- sha1(source_id | platform id or canonical url)
    source_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,         -- post, review, comment
    platform_id    VARCHAR,
    url            VARCHAR,
    thread_id      VARCHAR,
    thread_title   VARCHAR,
    parent_key     VARCHAR,                  -- post_key of the post this one replies to
    floor          INTEGER,
    author_key     VARCHAR,
    published_at   TIMESTAMPTZ,
    local_day      DATE,
    fetched_at     TIMESTAMPTZ,
    text_raw       VARCHAR NOT NULL,
    text_clean     VARCHAR,
    quoted_text    VARCHAR,
    rating         DOUBLE,
    rating_max     DOUBLE,
    item_name      VARCHAR,
    likes          INTEGER,
    replies        INTEGER,
    views          INTEGER,
    language_hint  VARCHAR,
    content_hash   VARCHAR NOT NULL,
    first_run_id   VARCHAR
);

CREATE TABLE post_analysis (
    post_key       VARCHAR NOT NULL,
    model_id       VARCHAR NOT NULL,
    model_version  VARCHAR NOT NULL,
    is_current     BOOLEAN NOT NULL DEFAULT TRUE,
    language       VARCHAR,                  -- zh, en, other
    script         VARCHAR,                  -- zh-Hans, zh-Hant, or NULL
    brands         VARCHAR[],
    aspects        STRUCT(aspect VARCHAR, polarity VARCHAR)[],
    intents        VARCHAR[],
    label          VARCHAR NOT NULL,         -- negative, neutral, positive
    p_negative     DOUBLE NOT NULL,
    p_neutral      DOUBLE NOT NULL,
    p_positive     DOUBLE NOT NULL,
    flags          VARCHAR[],
    content_hash   VARCHAR NOT NULL,         -- text version the scores belong to
    analyzed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_key, model_id, model_version)
);

CREATE TABLE author_scores (
    day            DATE NOT NULL,
    brand_id       VARCHAR NOT NULL,
    author_key     VARCHAR NOT NULL,
    influence      DOUBLE NOT NULL,
    mentions       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    recommends     INTEGER NOT NULL,
    advocacy       DOUBLE NOT NULL,
    detraction     DOUBLE NOT NULL,
    PRIMARY KEY (day, brand_id, author_key)
);

CREATE TABLE alerts (
    alert_id       VARCHAR PRIMARY KEY,      -- sha1(brand | rule | window key)
    brand_id       VARCHAR NOT NULL,
    rule           VARCHAR NOT NULL,
    window_key     VARCHAR NOT NULL,
    day            DATE NOT NULL,            -- day the rule fired (first)
    last_day       DATE NOT NULL,            -- latest day it fired again
    severity       VARCHAR NOT NULL,         -- low, medium, high
    status         VARCHAR NOT NULL,         -- open, acknowledged, resolved, dismissed
    reason         VARCHAR NOT NULL,
    thresholds     JSON NOT NULL,
    evidence       VARCHAR[] NOT NULL,       -- post_keys
    opened_at      TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    notified_state VARCHAR                   -- "severity:status" last notified
);

CREATE TABLE alert_events (
    alert_id     VARCHAR NOT NULL,
    event_at     TIMESTAMPTZ NOT NULL,
    actor        VARCHAR NOT NULL,
    from_status  VARCHAR,
    to_status    VARCHAR NOT NULL,
    note         VARCHAR
);

CREATE TABLE quarantine (
    run_id      VARCHAR,
    source_id   VARCHAR,
    url         VARCHAR,
    reason      VARCHAR NOT NULL,
    payload     VARCHAR,
    quarantined_at TIMESTAMPTZ NOT NULL
);
