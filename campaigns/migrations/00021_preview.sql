-- +goose Up
-- A preview campaign's offer: how long the agent sees the contact and
-- what happens when that time runs out.
ALTER TABLE campaigns ADD COLUMN preview_json TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN preview_json;
