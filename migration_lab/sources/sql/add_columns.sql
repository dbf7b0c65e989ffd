-- What 0002_tracking_columns does, by hand: SQLite only rewrites the table's definition.
ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN page_done INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN total_pages INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN message TEXT;
