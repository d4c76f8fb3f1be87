-- +goose Up
-- Idempotency keys of API intake requests (issue 8): the same key and body
-- replay the first response; the same key with another body is a 409.
-- status 0 marks a request still being processed.
CREATE TABLE idempotency_keys (
    id         INTEGER PRIMARY KEY,
    user_name  TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    status     INTEGER NOT NULL,
    response   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (user_name, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
