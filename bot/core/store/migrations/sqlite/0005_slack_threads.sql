-- Staff work in Slack: an outbox row may replace a message already posted (edit_of, its
-- provider id), answer in a thread, be seen by its addressee alone, or carry Slack markup.
ALTER TABLE outbox ADD COLUMN edit_of TEXT;
ALTER TABLE outbox ADD COLUMN thread TEXT;
ALTER TABLE outbox ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN markup INTEGER NOT NULL DEFAULT 0;
-- "When was this client last asked?" and "whose clients are these?" are index reads.
CREATE INDEX outbox_participant_kind ON outbox (participant_id, kind);
CREATE INDEX participants_manager ON participants (account_manager);

-- B2B referral asks an account manager drafts in Slack: the wording, where its card is, and
-- what became of it. Its card and the ask itself are outbox rows, found by their dedupe keys
-- (staff:ask:<id>:..., ask:b2b:<id>).
CREATE TABLE staff_asks (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    manager TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'editing', 'sent', 'cancelled')),
    card_channel TEXT,
    card_ts TEXT,
    decided_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX staff_asks_participant ON staff_asks (participant_id, id);
