-- A dashboard session is a row as well as a signed cookie, so that it can end before the cookie
-- does: at sign-out, at a new password, when its user is removed. The id is the cookie's random
-- nonce; a session older than the cookie's twelve hours is no session whether or not its row
-- is still here (rows that old are deleted at the next sign-in).
CREATE TABLE staff_sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
