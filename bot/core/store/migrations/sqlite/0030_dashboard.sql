-- The program owner's dashboard: who may sign in (argon2 hashes only, never a password), and
-- the secrets that sign session and web-chat cookies, made once and shared by every process.
CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'viewer')),
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT
);

CREATE TABLE signing_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
