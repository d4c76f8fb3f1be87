-- +goose Up
-- The internal do-not-call list: numbers in E.164, checked at originate time.
CREATE TABLE dnc_numbers (
    number   TEXT PRIMARY KEY,
    note     TEXT NOT NULL DEFAULT '',
    added_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE dnc_numbers;
