-- Participants, their channel identities, referrals, processed webhook events and the outbox.
-- Times are UTC microseconds since the epoch (BIGINT), the same in SQLite and PostgreSQL.
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'en',
    lang_chosen INTEGER NOT NULL DEFAULT 0,
    time_zone TEXT,
    is_customer INTEGER NOT NULL DEFAULT 0,
    link_sent_at BIGINT,
    referral_count INTEGER NOT NULL DEFAULT 0 CHECK (referral_count >= 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX participants_board ON participants (referral_count DESC, id);

CREATE TABLE identities (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    reply_to TEXT,
    opted_out INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (channel, address)
);
CREATE INDEX identities_participant ON identities (participant_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    referrer_id INTEGER NOT NULL REFERENCES participants (id),
    friend_id INTEGER NOT NULL REFERENCES participants (id),
    code TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('clicked', 'signed_up', 'qualified', 'rewarded', 'rejected')),
    reason TEXT CHECK (reason IN ('self_referral', 'already_customer', 'already_referred',
                                  'attribution_expired', 'cap_reached', 'suspected_fraud')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (status = 'rejected' OR referrer_id <> friend_id),
    CHECK ((status = 'rejected') = (reason IS NOT NULL)),
    UNIQUE (referrer_id, friend_id)
);
-- A friend is referred once: at most one referral that is not rejected.
CREATE UNIQUE INDEX referrals_one_per_friend ON referrals (friend_id) WHERE status <> 'rejected';
CREATE INDEX referrals_by_referrer ON referrals (referrer_id, status);

CREATE TABLE inbound_events (
    channel TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel, event_id)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    reply_to TEXT,
    participant_id INTEGER REFERENCES participants (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    buttons TEXT NOT NULL DEFAULT '[]',
    dedupe_key TEXT UNIQUE,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'sending', 'sent', 'dead', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until BIGINT,
    last_error TEXT,
    provider_id TEXT,
    delivery_status TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_provider ON outbox (provider_id);
