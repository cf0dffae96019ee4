-- The dispatcher claims one channel's due rows in due order, keeps a busy chat's rows waiting
-- together, and the weekly cap reads one person's recent sends: none of it walks the rest of
-- the outbox.
CREATE INDEX outbox_channel_due ON outbox (channel, status, due_at);
CREATE INDEX outbox_address ON outbox (channel, address, status, due_at);
CREATE INDEX outbox_person ON outbox (participant_id, sent_at);
