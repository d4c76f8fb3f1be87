-- +goose Up
-- Media quality of an answered attempt's legs (issue 6): packets, loss and
-- jitter we measured and the peer reported over RTCP, as JSON
-- {"customer": {...}, "agent": {...}}.
ALTER TABLE attempts ADD COLUMN media_stats TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE attempts DROP COLUMN media_stats;
