-- 007: which reading rules an analysis row was read with: a fingerprint of the configured
-- brands (aliases, exclusions, required context, official accounts), the complaint-area
-- taxonomy and the complaint-area model (flows/analyze.py, TextReader). The analyze stage
-- reads a post again when its current row was read under other rules, so a changed alias
-- reaches the history (share of voice, the Pareto) at the next run, not only new posts.
-- Rows from before this migration have none and are read again once.
ALTER TABLE post_analysis ADD COLUMN reading VARCHAR;
