-- +goose Up
-- Carrier trunks. password is kept to answer digest challenges; the API
-- never returns it. Timestamps are unix milliseconds.
CREATE TABLE trunks (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    grp            TEXT NOT NULL,
    priority       INTEGER NOT NULL DEFAULT 0,
    uri            TEXT NOT NULL,
    transport      TEXT NOT NULL,
    username       TEXT NOT NULL DEFAULT '',
    password       TEXT NOT NULL DEFAULT '',
    outbound_proxy TEXT NOT NULL DEFAULT '',
    local_port     INTEGER NOT NULL DEFAULT 0,
    from_user      TEXT NOT NULL DEFAULT '',
    pai            TEXT NOT NULL DEFAULT '',
    privacy        TEXT NOT NULL DEFAULT '',
    max_calls      INTEGER NOT NULL DEFAULT 0,
    max_cps        DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);
-- Which trunk group a campaign dials through (campaigns without a row use
-- the default group). Owned by the dialer, so campaigns need not know trunks.
CREATE TABLE campaign_trunk_groups (
    campaign_id BIGINT PRIMARY KEY,
    grp         TEXT NOT NULL
);
-- One row per INVITE: the evidence of each leg of an attempt (a failover
-- makes two legs of one attempt) and of agents' nailed-up legs.
CREATE TABLE call_legs (
    id               INTEGER PRIMARY KEY,
    attempt_id       BIGINT NOT NULL DEFAULT 0,
    kind             TEXT NOT NULL,
    trunk_id         BIGINT NOT NULL DEFAULT 0,
    trunk            TEXT NOT NULL DEFAULT '',
    call_id          TEXT NOT NULL,
    caller_id        TEXT NOT NULL DEFAULT '',
    callee           TEXT NOT NULL DEFAULT '',
    invite_at        BIGINT NOT NULL,
    provisional_at   BIGINT NOT NULL DEFAULT 0,
    provisional_code INTEGER NOT NULL DEFAULT 0,
    answer_at        BIGINT NOT NULL DEFAULT 0,
    ack_at           BIGINT NOT NULL DEFAULT 0,
    cancel_at        BIGINT NOT NULL DEFAULT 0,
    bye_at           BIGINT NOT NULL DEFAULT 0,
    bye_by           TEXT NOT NULL DEFAULT '',
    end_reason       TEXT NOT NULL DEFAULT '',
    code             INTEGER NOT NULL DEFAULT 0,
    reason           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX call_legs_attempt ON call_legs (attempt_id);
CREATE INDEX call_legs_call_id ON call_legs (call_id);

-- +goose Down
DROP TABLE call_legs;
DROP TABLE campaign_trunk_groups;
DROP TABLE trunks;
