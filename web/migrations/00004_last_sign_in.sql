-- +goose Up
-- When each user last signed in with a password (Unix milliseconds; 0:
-- never), for the admin's list of users.
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN last_sign_in_at;
