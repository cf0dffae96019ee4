-- What the business knows of a customer: segment, company, since when, who manages the account.
-- Emails and CRM ids are identities too (channel 'email' / 'external'), so one participant can be
-- found by any of them and self-referral is caught across all of them.
ALTER TABLE participants ADD COLUMN segment TEXT NOT NULL DEFAULT 'b2c' CHECK (segment IN ('b2c', 'b2b'));
ALTER TABLE participants ADD COLUMN company TEXT;
ALTER TABLE participants ADD COLUMN customer_since BIGINT;
ALTER TABLE participants ADD COLUMN account_manager TEXT;
ALTER TABLE participants ADD COLUMN last_purchase_at BIGINT;

CREATE TABLE conversions (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('signup', 'purchase', 'refund')),
    code TEXT,
    participant_id INTEGER REFERENCES participants (id),
    referral_id INTEGER REFERENCES referrals (id),
    amount TEXT,
    currency TEXT,
    outcome TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX conversions_participant ON conversions (participant_id, type);

CREATE TABLE clicks (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    referrer_id INTEGER NOT NULL REFERENCES participants (id),
    visitor TEXT NOT NULL,
    day TEXT NOT NULL,
    network TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (code, visitor, day)
);
CREATE INDEX clicks_referrer ON clicks (referrer_id, created_at);
CREATE INDEX clicks_network ON clicks (network, created_at);
