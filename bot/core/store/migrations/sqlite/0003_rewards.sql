-- Reward programs: the ledger of what was promised, its history, the per-person totals that
-- enforce caps, and fraud flags on referrals. Amounts are BIGINT in 1/10,000ths of their unit.
CREATE TABLE rewards (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    side TEXT NOT NULL CHECK (side IN ('referrer', 'friend')),
    kind TEXT NOT NULL CHECK (kind IN ('referral', 'milestone')),
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('money', 'credit', 'storage', 'points', 'perk')),
    measure TEXT,
    label TEXT,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'issued', 'voided')),
    held TEXT,
    reason TEXT,
    hold_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((status = 'voided') = (reason IS NOT NULL)),
    CHECK (held IS NULL OR status IN ('pending', 'voided')),
    UNIQUE (referral_id, side, rule_id)
);
-- A milestone is reached once per person, whichever referral reached it.
CREATE UNIQUE INDEX rewards_one_milestone ON rewards (participant_id, rule_id) WHERE kind = 'milestone';
CREATE INDEX rewards_of_participant ON rewards (participant_id, id);
CREATE INDEX rewards_due ON rewards (status, hold_until);

-- Append-only: every state a reward has been in, who put it there and why.
CREATE TABLE reward_entries (
    id INTEGER PRIMARY KEY,
    reward_id INTEGER NOT NULL REFERENCES rewards (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'issued', 'voided')),
    amount BIGINT NOT NULL,
    reason TEXT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX reward_entries_reward ON reward_entries (reward_id, id);

-- What a person holds under a rule (voided rewards excluded): the row a cap is enforced on,
-- by one conditional upsert, so concurrent grants queue on it instead of racing past the cap.
-- WITHOUT ROWID: the key is the table, one page written per grant instead of two.
CREATE TABLE reward_totals (
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    rule_id TEXT NOT NULL,
    granted BIGINT NOT NULL DEFAULT 0 CHECK (granted >= 0),
    last_grant BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (participant_id, rule_id)
) WITHOUT ROWID;

-- Why a referral waits for a reviewer (velocity, network, device); resolved by the review.
CREATE TABLE referral_flags (
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution TEXT CHECK (resolution IN ('approved', 'voided')),
    PRIMARY KEY (referral_id, reason)
);

-- Where a signup came from, when known: the network and device the fraud rules count.
CREATE TABLE referral_origins (
    referral_id INTEGER PRIMARY KEY REFERENCES referrals (id),
    network TEXT,
    device TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX referral_origins_network ON referral_origins (network, created_at);
CREATE INDEX referral_origins_device ON referral_origins (device, created_at);
-- Velocity: a code's signups in the last hour.
CREATE INDEX referrals_recent ON referrals (referrer_id, created_at);
