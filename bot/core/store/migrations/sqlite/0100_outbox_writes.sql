-- Each outbox row is written three times (queued, claimed, recorded as sent), and each write
-- rewrites every index on a column it changes (on PostgreSQL, a status change writes every
-- index). The indexes now hold what their lookups need and no more:
-- - the claim index holds only the rows waiting to be claimed, so it stays small and a claim
--   or a send takes a row out of it rather than moving it;
-- - the per-address lookups (a person's queue, replies in a row) name the address only: a
--   person's few rows are read through, and status or due time changes leave the index alone;
-- - the per-person send times are read through (participant_id, kind), already indexed, so
--   recording a send no longer moves an index entry;
-- - a provider id is indexed once a send has one.
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox (priority, due_at) WHERE status = 'scheduled';
DROP INDEX outbox_address;
CREATE INDEX outbox_address ON outbox (channel, address);
DROP INDEX outbox_person;
DROP INDEX outbox_provider;
CREATE INDEX outbox_provider ON outbox (provider_id) WHERE provider_id IS NOT NULL;
