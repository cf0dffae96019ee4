-- A referrer's referrals by what they came to, on the referrer's own row: counted (signed up,
-- qualified or rewarded, as before), still waiting to qualify (signed up) and refused. Kept by
-- triggers on referrals, in the statement that changes a referral, so the store never bumps a
-- counter itself and "how many friends?" reads the sender's row instead of counting rows.
-- The store contract tests compare all three with COUNT(*). A referral's referrer never changes.
ALTER TABLE participants ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE participants ADD COLUMN rejected_count INTEGER NOT NULL DEFAULT 0;

UPDATE participants SET
    referral_count = (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = participants.id
                      AND r.status IN ('signed_up', 'qualified', 'rewarded')),
    pending_count = (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = participants.id
                     AND r.status = 'signed_up'),
    rejected_count = (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = participants.id
                      AND r.status = 'rejected')
WHERE id IN (SELECT referrer_id FROM referrals);

CREATE TRIGGER referral_counts_on_insert AFTER INSERT ON referrals
BEGIN
    UPDATE participants SET
        referral_count = referral_count + (NEW.status IN ('signed_up', 'qualified', 'rewarded')),
        pending_count = pending_count + (NEW.status = 'signed_up'),
        rejected_count = rejected_count + (NEW.status = 'rejected')
    WHERE id = NEW.referrer_id;
END;

CREATE TRIGGER referral_counts_on_status AFTER UPDATE OF status ON referrals
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE participants SET
        referral_count = referral_count + (NEW.status IN ('signed_up', 'qualified', 'rewarded'))
            - (OLD.status IN ('signed_up', 'qualified', 'rewarded')),
        pending_count = pending_count + (NEW.status = 'signed_up') - (OLD.status = 'signed_up'),
        rejected_count = rejected_count + (NEW.status = 'rejected') - (OLD.status = 'rejected')
    WHERE id = NEW.referrer_id;
END;

CREATE TRIGGER referral_counts_on_delete AFTER DELETE ON referrals
BEGIN
    UPDATE participants SET
        referral_count = referral_count - (OLD.status IN ('signed_up', 'qualified', 'rewarded')),
        pending_count = pending_count - (OLD.status = 'signed_up'),
        rejected_count = rejected_count - (OLD.status = 'rejected')
    WHERE id = OLD.referrer_id;
END;
