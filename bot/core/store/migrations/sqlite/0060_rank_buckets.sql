-- Where a referrer stands on the board, without counting everyone ahead of them: how many
-- participants have each referral count, per block of 4096 participant ids (the tie order is
-- count, then id). Kept by triggers in the transaction that changes a count, so it cannot
-- drift from participants.referral_count; the store contract tests compare the two.
-- The block width is RANK_BLOCK in bot/core/store/referrals.py.
CREATE TABLE rank_buckets (
    referral_count INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (referral_count, bucket)
);

INSERT INTO rank_buckets (referral_count, bucket, participants)
SELECT referral_count, id / 4096, COUNT(*) FROM participants WHERE referral_count > 0
GROUP BY referral_count, id / 4096;

CREATE TRIGGER rank_buckets_on_count AFTER UPDATE OF referral_count ON participants
WHEN OLD.referral_count <> NEW.referral_count
BEGIN
    UPDATE rank_buckets SET participants = participants - 1
    WHERE referral_count = OLD.referral_count AND bucket = OLD.id / 4096;
    INSERT INTO rank_buckets (referral_count, bucket, participants)
    SELECT NEW.referral_count, NEW.id / 4096, 1 WHERE NEW.referral_count > 0
    ON CONFLICT (referral_count, bucket) DO UPDATE SET participants = participants + 1;
END;

CREATE TRIGGER rank_buckets_on_insert AFTER INSERT ON participants
WHEN NEW.referral_count > 0
BEGIN
    INSERT INTO rank_buckets (referral_count, bucket, participants)
    SELECT NEW.referral_count, NEW.id / 4096, 1 WHERE true
    ON CONFLICT (referral_count, bucket) DO UPDATE SET participants = participants + 1;
END;

CREATE TRIGGER rank_buckets_on_delete AFTER DELETE ON participants
WHEN OLD.referral_count > 0
BEGIN
    UPDATE rank_buckets SET participants = participants - 1
    WHERE referral_count = OLD.referral_count AND bucket = OLD.id / 4096;
END;
