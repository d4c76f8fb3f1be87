-- +goose Up
-- A campaign's call recording (issue 6): off unless enabled; the
-- disclosure prompt played first.
ALTER TABLE campaigns ADD COLUMN recording_json TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN recording_json;
