-- The claim index holds the claim's whole order (priority, due_at, id). Without id, rows due at
-- the same moment sit in the index in heap order, so a claim of 16 read every waiting row of
-- its priority and sorted them: under a burst's backlog (2,000 friends joining, ~1,500 replies
-- waiting) each claim read and sorted 1,500-2,000 rows, ~1 ms of the server's CPU. Now the
-- claim walks the index in order and stops at its LIMIT. (SQLite's index already ends in the
-- rowid, which is id.)
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox (priority, due_at, id) WHERE status = 'scheduled';
