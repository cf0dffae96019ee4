-- A referrer's referrals by what they came to, on the referrer's own row: counted (signed up,
-- qualified or rewarded, as before), still waiting to qualify (signed up) and refused. Kept by
-- a trigger on referrals, in the statement that changes a referral, so the store never bumps a
-- counter itself and "how many friends?" reads the sender's row instead of counting rows.
-- The store contract tests compare all three with COUNT(*). A referral's referrer never changes.
ALTER TABLE participants ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE participants ADD COLUMN rejected_count INTEGER NOT NULL DEFAULT 0;

UPDATE participants p SET
    referral_count = c.counted, pending_count = c.pending, rejected_count = c.rejected
FROM (
    SELECT referrer_id,
           COUNT(*) FILTER (WHERE status IN ('signed_up', 'qualified', 'rewarded')) AS counted,
           COUNT(*) FILTER (WHERE status = 'signed_up') AS pending,
           COUNT(*) FILTER (WHERE status = 'rejected') AS rejected
    FROM referrals GROUP BY referrer_id
) c
WHERE p.id = c.referrer_id;

CREATE FUNCTION referral_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counted INTEGER := 0;
    pending INTEGER := 0;
    rejected INTEGER := 0;
    referrer BIGINT;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        referrer := OLD.referrer_id;
        counted := counted - (OLD.status IN ('signed_up', 'qualified', 'rewarded'))::int;
        pending := pending - (OLD.status = 'signed_up')::int;
        rejected := rejected - (OLD.status = 'rejected')::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        referrer := NEW.referrer_id;
        counted := counted + (NEW.status IN ('signed_up', 'qualified', 'rewarded'))::int;
        pending := pending + (NEW.status = 'signed_up')::int;
        rejected := rejected + (NEW.status = 'rejected')::int;
    END IF;
    IF counted = 0 AND pending = 0 AND rejected = 0 THEN
        RETURN NULL;  -- qualified to rewarded: the same counts
    END IF;
    UPDATE participants SET
        referral_count = referral_count + counted,
        pending_count = pending_count + pending,
        rejected_count = rejected_count + rejected
    WHERE id = referrer;
    RETURN NULL;
END
$$;

CREATE TRIGGER referral_counts_follow
AFTER INSERT OR DELETE OR UPDATE OF status ON referrals
FOR EACH ROW EXECUTE FUNCTION referral_counts_follow();
