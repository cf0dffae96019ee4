-- Which process made a scope's latest claim (bot/delivery/shared_pacing.py): a send that starts
-- late may go at once when nobody else claimed after it, and claims afresh when another did.
ALTER TABLE pace_scopes ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
