-- Webhook endpoints that answered 410 Gone: nothing more is queued or sent to them until
-- `referral-bot webhooks resume URL`.
CREATE TABLE webhook_endpoints (
    url TEXT PRIMARY KEY,
    stopped_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
