-- A join writes a friend's row, a referral, and two outbox rows, and each index on them is one
-- more page every COMMIT writes (about 7 µs a page on SQLite). Indexes that only rows of a
-- rare kind need now hold just those rows:
-- - an account manager, a link handed out, a place on the board: most people who join
--   through a friend have none of them yet;
-- - the outbox's (status, due_at) index moved at every state change of every row; its lookups
--   were of the rows being sent (a lease that ran out: by lease time, so a claim finds none at
--   once rather than reading every send in flight), the dead and the skipped ones, and the
--   next waiting row (the claim index, per priority).
DROP INDEX participants_manager;
CREATE INDEX participants_manager ON participants (account_manager)
    WHERE account_manager IS NOT NULL;
DROP INDEX participants_link_sent;
CREATE INDEX participants_link_sent ON participants (link_sent_at, link_channel)
    WHERE link_sent_at IS NOT NULL;
DROP INDEX participants_board;
CREATE INDEX participants_board ON participants (referral_count DESC, id)
    WHERE referral_count > 0;
DROP INDEX outbox_due;
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_dead ON outbox (due_at) WHERE status = 'dead';
CREATE INDEX outbox_skipped ON outbox (due_at) WHERE status = 'skipped';
