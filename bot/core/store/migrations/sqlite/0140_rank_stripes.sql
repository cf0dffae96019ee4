-- rank_buckets by stripe of ids (id % 16) instead of block (id / 4096), as on PostgreSQL,
-- where a block was one hot row that every join in a burst waited on (see its 0140). SQLite
-- has one writer and no such wait; the two keep one meaning for the store contract tests.
-- The stripe count is RANK_STRIPES in bot/core/store/referrals.py.
DROP TRIGGER rank_buckets_on_count;
DROP TRIGGER rank_buckets_on_insert;
DROP TRIGGER rank_buckets_on_delete;
DELETE FROM rank_buckets;
INSERT INTO rank_buckets (referral_count, bucket, participants)
SELECT referral_count, id % 16, COUNT(*) FROM participants WHERE referral_count > 0
GROUP BY referral_count, id % 16;

CREATE TRIGGER rank_buckets_on_count AFTER UPDATE OF referral_count ON participants
WHEN OLD.referral_count <> NEW.referral_count
BEGIN
    UPDATE rank_buckets SET participants = participants - 1
    WHERE referral_count = OLD.referral_count AND bucket = OLD.id % 16;
    INSERT INTO rank_buckets (referral_count, bucket, participants)
    SELECT NEW.referral_count, NEW.id % 16, 1 WHERE NEW.referral_count > 0
    ON CONFLICT (referral_count, bucket) DO UPDATE SET participants = participants + 1;
END;

CREATE TRIGGER rank_buckets_on_insert AFTER INSERT ON participants
WHEN NEW.referral_count > 0
BEGIN
    INSERT INTO rank_buckets (referral_count, bucket, participants)
    SELECT NEW.referral_count, NEW.id % 16, 1 WHERE true
    ON CONFLICT (referral_count, bucket) DO UPDATE SET participants = participants + 1;
END;

CREATE TRIGGER rank_buckets_on_delete AFTER DELETE ON participants
WHEN OLD.referral_count > 0
BEGIN
    UPDATE rank_buckets SET participants = participants - 1
    WHERE referral_count = OLD.referral_count AND bucket = OLD.id % 16;
END;
