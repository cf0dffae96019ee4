-- Reports: on which channel a participant got their link, when a friend first got the code
-- (their first click), and when a referral qualified; and the indexes that read a period.
ALTER TABLE participants ADD COLUMN link_channel TEXT;
ALTER TABLE referrals ADD COLUMN referred_at BIGINT;
ALTER TABLE referrals ADD COLUMN qualified_at BIGINT;
-- Rows from before this migration: the best guesses the data allows.
UPDATE referrals SET qualified_at = updated_at WHERE status IN ('qualified', 'rewarded');
UPDATE participants SET link_channel = (
    SELECT i.channel FROM identities i WHERE i.participant_id = participants.id
    AND i.channel IN ('sms', 'telegram', 'slack', 'console', 'web')
    ORDER BY i.created_at, i.channel LIMIT 1
) WHERE link_sent_at IS NOT NULL;
CREATE INDEX referrals_created ON referrals (created_at);
CREATE INDEX clicks_created ON clicks (created_at);
CREATE INDEX participants_link_sent ON participants (link_sent_at);
CREATE INDEX rewards_created ON rewards (created_at);
