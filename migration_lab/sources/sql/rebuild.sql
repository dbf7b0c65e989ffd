-- What 0003_progress_default does, by hand. SQLite's ALTER TABLE cannot change a column's nullability
-- or default, so the table is rebuilt: the procedure of sqlite.org/lang_altertable.html (section
-- "Making Other Kinds Of Table Schema Changes"), as Alembic's batch mode does it. Its steps for
-- foreign keys, triggers and views are left out: this table has none.
BEGIN;
UPDATE conversion_jobs SET progress = CASE WHEN status = 'done' THEN 100 ELSE 0 END WHERE progress IS NULL;
CREATE TABLE conversion_jobs_new (
    id INTEGER NOT NULL,
    filename VARCHAR(255) NOT NULL,
    source_format VARCHAR(10) NOT NULL,
    target_format VARCHAR(10) NOT NULL,
    status VARCHAR(20) NOT NULL,
    size_bytes INTEGER,
    created_at DATETIME NOT NULL,
    finished_at DATETIME,
    progress INTEGER DEFAULT '0' NOT NULL,
    page_done INTEGER,
    total_pages INTEGER,
    message TEXT,
    PRIMARY KEY (id)
);
INSERT INTO conversion_jobs_new SELECT id, filename, source_format, target_format, status, size_bytes, created_at, finished_at, progress, page_done, total_pages, message FROM conversion_jobs;
DROP TABLE conversion_jobs;
ALTER TABLE conversion_jobs_new RENAME TO conversion_jobs;
CREATE INDEX ix_conversion_jobs_status ON conversion_jobs (status);
COMMIT;
