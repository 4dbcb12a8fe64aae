-- 011: analysts' corrections of a post's sentiment reading (dashboard Posts page, `koubei
-- corrections add --reading`). The model misreads known kinds of posts (English questions read
-- negative, flat complaints neutral: docs/decisions.md), and a misread post counts in the
-- negative share, the spike alerts and detraction. Append-only like area_corrections: the
-- latest correction of a post, made on the text it still has, sets the label of the post's
-- current analysis row, with that label's probability 1 (the analyst is sure), also after the
-- post is analyzed again. Logic: flows/corrections.py.
CREATE TABLE sentiment_corrections (
    post_key      VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,    -- the text the analyst read; an edited post drops the correction
    label         VARCHAR NOT NULL,    -- negative, neutral or positive
    previous      STRUCT(label VARCHAR, p_negative DOUBLE, p_neutral DOUBLE, p_positive DOUBLE),  -- the reading before
    actor         VARCHAR NOT NULL,
    note          VARCHAR,
    corrected_at  TIMESTAMPTZ NOT NULL
);

CREATE OR REPLACE VIEW v_sentiment_corrections AS
SELECT c.post_key, c.label, c.previous, c.actor, c.note, c.corrected_at
FROM sentiment_corrections c
JOIN posts p ON p.post_key = c.post_key AND p.content_hash = c.content_hash
QUALIFY row_number() OVER (PARTITION BY c.post_key ORDER BY c.corrected_at DESC) = 1;
