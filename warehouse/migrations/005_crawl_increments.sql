-- 005: what incremental crawling saved, per crawl.
ALTER TABLE crawl_runs ADD COLUMN skipped_old INTEGER DEFAULT 0;   -- posts older than the crawl's "since" (stored already)
ALTER TABLE crawl_runs ADD COLUMN not_modified INTEGER DEFAULT 0;  -- pages answered from the HTTP cache (fresh or 304)
