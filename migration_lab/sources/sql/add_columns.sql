-- What 0002_tracking_columns does, by hand. SQLite only edits the table's definition in sqlite_schema;
-- the rows are not touched (sqlite.org/lang_altertable.html, "ALTER TABLE ADD COLUMN").
ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN page_done INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN total_pages INTEGER;
ALTER TABLE conversion_jobs ADD COLUMN message TEXT;
