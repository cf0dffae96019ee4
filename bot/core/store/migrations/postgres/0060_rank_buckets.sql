-- Where a referrer stands on the board, without counting everyone ahead of them: how many
-- participants have each referral count, per block of 4096 participant ids (the tie order is
-- count, then id). Kept by a trigger in the transaction that changes a count, so it cannot
-- drift from participants.referral_count; the store contract tests compare the two.
-- The block width is RANK_BLOCK in bot/core/store/referrals.py.
CREATE TABLE rank_buckets (
    referral_count INTEGER NOT NULL,
    bucket BIGINT NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (referral_count, bucket)
);

INSERT INTO rank_buckets (referral_count, bucket, participants)
SELECT referral_count, id / 4096, COUNT(*) FROM participants WHERE referral_count > 0
GROUP BY referral_count, id / 4096;

CREATE FUNCTION rank_buckets_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.referral_count = NEW.referral_count THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.referral_count > 0 THEN
        UPDATE rank_buckets SET participants = participants - 1
        WHERE referral_count = OLD.referral_count AND bucket = OLD.id / 4096;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.referral_count > 0 THEN
        INSERT INTO rank_buckets (referral_count, bucket, participants)
        VALUES (NEW.referral_count, NEW.id / 4096, 1)
        ON CONFLICT (referral_count, bucket)
        DO UPDATE SET participants = rank_buckets.participants + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER rank_buckets_follow
AFTER INSERT OR DELETE OR UPDATE OF referral_count ON participants
FOR EACH ROW EXECUTE FUNCTION rank_buckets_follow();
