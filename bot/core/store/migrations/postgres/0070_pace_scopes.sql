-- Provider pacing shared by every process on this database (bot/delivery/shared_pacing.py):
-- per scope (the SMS sender, Telegram overall, one Telegram chat, one Slack channel) the
-- earliest moment the next send may start (GCRA's theoretical arrival time) and the end of a
-- provider's 429 pause, both in UTC microseconds. Idle rows are pruned; losing one only means
-- its scope is free, which it was.
CREATE TABLE pace_scopes (
    scope TEXT PRIMARY KEY,
    next_free BIGINT NOT NULL DEFAULT 0,
    paused_until BIGINT NOT NULL DEFAULT 0
);
