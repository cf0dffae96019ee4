-- Reports: on which channel a participant got their link, when a friend first got the code
-- (their first click), when a referral qualified; the channel copied onto clicks (their
-- referrer's link channel at the time) and rewards (their referral's, which never changes), so
-- a period's funnel per channel reads one covering index per table and joins nothing.
ALTER TABLE participants ADD COLUMN link_channel TEXT;
ALTER TABLE referrals ADD COLUMN referred_at BIGINT;
ALTER TABLE referrals ADD COLUMN qualified_at BIGINT;
ALTER TABLE clicks ADD COLUMN channel TEXT;
ALTER TABLE rewards ADD COLUMN channel TEXT;
-- Rows from before this migration: the best guesses the data allows.
UPDATE referrals SET qualified_at = updated_at WHERE status IN ('qualified', 'rewarded');
UPDATE participants SET link_channel = (
    SELECT i.channel FROM identities i WHERE i.participant_id = participants.id
    AND i.channel IN ('sms', 'telegram', 'slack', 'console', 'web')
    ORDER BY i.created_at, i.channel LIMIT 1
) WHERE link_sent_at IS NOT NULL;
UPDATE clicks SET channel = (SELECT p.link_channel FROM participants p WHERE p.id = clicks.referrer_id);
UPDATE rewards SET channel = (SELECT r.channel FROM referrals r WHERE r.id = rewards.referral_id);
-- Group-ordered covering indexes: a period's counts per channel and status come out in index
-- order (SQLite skip-scans the few leading values), with no sort of the period's rows.
CREATE INDEX referrals_period ON referrals (channel, status, reason, created_at);
CREATE INDEX referrals_created ON referrals (created_at, status, referrer_id, referred_at, qualified_at, channel);

CREATE INDEX clicks_period ON clicks (created_at, channel, visitor);
CREATE INDEX participants_link_sent ON participants (link_sent_at, link_channel);
CREATE INDEX rewards_period ON rewards (channel, status, unit, measure, rule_id, rule_version, created_at, amount);
