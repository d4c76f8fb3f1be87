-- +goose Up
-- API users. Only the SHA-256 of each bearer token is kept, so a copy of
-- the database does not let anyone call the API.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE users;
