-- The dispatcher claims one channel's due rows in due order, and the weekly cap reads one
-- person's recent sends: both without walking the rest of the outbox.
CREATE INDEX outbox_channel_due ON outbox (channel, status, due_at);
CREATE INDEX outbox_person ON outbox (participant_id, sent_at);
