-- +goose Up
-- People sign in (docs/roles.md): a password (argon2id, a PHC string; empty
-- for a machine that only has a token), the agent a user of role agent is
-- (NULL for every other role; the web package checks the pairing, as
-- SQLite cannot add a CHECK to an existing table), whether the user is
-- disabled, and the language and zone their consoles use.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN agent_id BIGINT;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
-- One agent record is one person: at most one user per agent.
CREATE UNIQUE INDEX users_agent ON users (agent_id);

-- The clients a user is limited to; none means every client. Clients
-- belong to campaigns' tables, so there is no foreign key to them.
CREATE TABLE user_clients (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- Browser sessions. id_hash is the SHA-256 of the cookie's random id, so a
-- copy of the database signs nobody in. Times are Unix milliseconds.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    addr         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per (name, address), for lock-outs that survive a
-- restart and hold across nodes. name need not be a user: guessing names
-- is counted like guessing passwords.
CREATE TABLE sign_in_failures (
    name         TEXT NOT NULL,
    addr         TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    last_at      BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (name, addr)
);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE sessions;
DROP TABLE user_clients;
DROP INDEX users_agent;
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN disabled;
ALTER TABLE users DROP COLUMN agent_id;
ALTER TABLE users DROP COLUMN password_hash;
