-- 006: analysts' corrections of a post's complaint areas (dashboard Posts page, `koubei corrections add`).
-- Append-only: every correction stays, with who, when and why. The latest correction of a post,
-- made on the text it still has, replaces the automatic areas in the post's current analysis row
-- (also after the post is analyzed again); `koubei corrections export` turns them into labelled
-- posts that retrain the complaint-area model. Logic: flows/corrections.py.
CREATE TABLE area_corrections (
    post_key      VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,    -- the text the analyst read; an edited post drops the correction
    aspects       STRUCT(aspect VARCHAR, polarity VARCHAR)[] NOT NULL,  -- what the analyst set
    previous      STRUCT(aspect VARCHAR, polarity VARCHAR)[],           -- what the post had before
    actor         VARCHAR NOT NULL,
    note          VARCHAR,
    corrected_at  TIMESTAMPTZ NOT NULL
);

-- The correction in force for each post: the latest, on the post's current text.
CREATE OR REPLACE VIEW v_area_corrections AS
SELECT c.post_key, c.aspects, c.previous, c.actor, c.note, c.corrected_at
FROM area_corrections c
JOIN posts p ON p.post_key = c.post_key AND p.content_hash = c.content_hash
QUALIFY row_number() OVER (PARTITION BY c.post_key ORDER BY c.corrected_at DESC) = 1;
