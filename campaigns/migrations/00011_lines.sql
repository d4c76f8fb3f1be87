-- +goose Up
-- An agentless campaign (notice, recorded reminder) is paced by lines: at
-- most this many calls at once (0: the default, 10).
ALTER TABLE campaigns ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN lines;
