-- Rate limits that every process sharing the database shares, and that a restart keeps (the
-- dashboard's wrong passwords, per e-mail and network): one row per limited key, holding its
-- theoretical arrival time (GCRA, UTC microseconds). A row whose time has passed is a full
-- bucket, the same as no row, and is deleted when found.
CREATE TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_buckets_tat ON rate_buckets (tat);
