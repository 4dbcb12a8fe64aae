-- 009: the leaderboards say why an author ranks. Advocacy and detraction are scored from how
-- an author talks about the brand (flows/scoring.py: endorsing or disparaging share x
-- influence x activity), and author_scores has always kept the counts behind them; the view
-- now shows them beside the scores: positive and negative posts, and posts that recommend
-- the brand (or come back to it: nlp/text/intents.py), over the scoring window.
CREATE OR REPLACE VIEW v_advocates AS
SELECT s.brand_id AS brand, s.author_key, au.display_name AS author, au.source_id AS source,
       au.profile_url, s.advocacy, s.detraction, s.influence, s.mentions, s.day AS latest_day,
       s.positive, s.negative, s.recommends
FROM author_scores s
JOIN authors au USING (author_key)
WHERE s.day = (SELECT max(day) FROM author_scores x WHERE x.brand_id = s.brand_id);
