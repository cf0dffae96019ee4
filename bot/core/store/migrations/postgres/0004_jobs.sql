-- Periodic jobs run once per period across every process: the first to insert the row runs it.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);
