-- +goose Up
-- The audit trail: append-only, each record chained to the one before by
-- hash, so an edited, deleted or truncated record is detected by
-- alo audit verify (the head is anchored in a file outside the database).
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    contact_id  BIGINT NOT NULL DEFAULT 0,
    number      TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_campaign ON audit_log (campaign_id, at);

-- +goose Down
DROP TABLE audit_log;
