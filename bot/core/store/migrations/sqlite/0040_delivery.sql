-- Delivery you can trust: direct answers are claimed before proactive messages (priority 0
-- before 1), and each row keeps its story (uncertain sends, expiry, coalescing, retries).
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
UPDATE outbox SET priority = 0 WHERE kind IN ('reply', 'optout_confirmation', 'staff');
ALTER TABLE outbox ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0;
-- When the row first fell due: expiry and the retry window count from here, not from due_at
-- (which backoff moves) nor created_at (a reminder is queued days ahead).
ALTER TABLE outbox ADD COLUMN first_due_at BIGINT;
UPDATE outbox SET first_due_at = due_at;
CREATE INDEX outbox_claim ON outbox (channel, status, priority, due_at);
DROP INDEX IF EXISTS outbox_channel_due;

CREATE TABLE outbox_history (
    id INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_history_row ON outbox_history (outbox_id, at);
