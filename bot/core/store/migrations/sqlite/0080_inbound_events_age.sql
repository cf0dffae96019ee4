-- Processed provider event ids are kept for their replay window only; the periodic sweep
-- (bot/services/sweeps.py) deletes the older ones by age, oldest first.
CREATE INDEX inbound_events_by_age ON inbound_events (received_at);
