-- +goose Up
-- Timestamps are unix milliseconds and durations milliseconds (BIGINT), so
-- the same queries run on SQLite and PostgreSQL.

-- The company on whose behalf campaigns call.
CREATE TABLE clients (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    client_id       BIGINT NOT NULL REFERENCES clients (id),
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    daily_start     INTEGER NOT NULL,
    daily_end       INTEGER NOT NULL,
    time_zone       TEXT NOT NULL,
    default_region  TEXT NOT NULL DEFAULT '',
    max_attempts    INTEGER NOT NULL,
    retry_delay_ms  BIGINT NOT NULL,
    ring_timeout_ms BIGINT NOT NULL,
    caller_id       TEXT NOT NULL DEFAULT '',
    pacing          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX campaigns_status ON campaigns (status);

-- One row per person to call; state and next_due_at drive the feeder.
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    phone        TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    time_zone    TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_due_at  BIGINT,
    last_outcome TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX contacts_due ON contacts (campaign_id, state, next_due_at);

-- One row per attempt that reached dialing (or was blocked by the gate).
-- The unique key is invariant 1's last line of defence: an attempt number of
-- a contact can be dialed once.
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    campaign_id    BIGINT NOT NULL REFERENCES campaigns (id),
    contact_id     BIGINT NOT NULL REFERENCES contacts (id),
    attempt_no     INTEGER NOT NULL,
    phone          TEXT NOT NULL,
    state          TEXT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT '',
    sip_code       INTEGER NOT NULL DEFAULT 0,
    reason         TEXT NOT NULL DEFAULT '',
    node           TEXT NOT NULL DEFAULT '',
    agent_id       BIGINT NOT NULL DEFAULT 0,
    call_id        TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '',
    media_to_agent BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    answered_at    BIGINT,
    bridged_at     BIGINT,
    ended_at       BIGINT,
    UNIQUE (campaign_id, contact_id, attempt_no)
);
CREATE INDEX attempts_state ON attempts (state);
CREATE INDEX attempts_contact ON attempts (contact_id);

-- +goose Down
DROP TABLE attempts;
DROP TABLE contacts;
DROP TABLE campaigns;
DROP TABLE clients;
