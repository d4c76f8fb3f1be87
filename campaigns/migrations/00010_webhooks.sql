-- +goose Up
-- Results to the client's CRM (issue 8). One webhook per client; every
-- attempt outcome (and disposition) of its campaigns becomes an event,
-- written in the same transaction as the outcome (an outbox: a crash never
-- loses one), then delivered through asynq with retries.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    client_id  BIGINT NOT NULL UNIQUE REFERENCES clients (id),
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- status: pending (to be queued), queued (an asynq task holds it),
-- delivered, failed (retries exhausted; replayable). generation counts
-- replays, so a replayed event gets a fresh task id.
CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    webhook_id   BIGINT NOT NULL REFERENCES webhooks (id),
    campaign_id  BIGINT NOT NULL,
    attempt_id   BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    generation   INTEGER NOT NULL DEFAULT 0,
    tries        INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_events_status ON webhook_events (status, id);

-- +goose Down
DROP TABLE webhook_events;
DROP TABLE webhooks;
