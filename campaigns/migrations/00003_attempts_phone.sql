-- +goose Up
-- The gate's attempt limits and embargoes ask for the calls to one number
-- since a time, across campaigns (Store.CallsSince): without this index
-- that query scans every attempt.
CREATE INDEX attempts_phone_time ON attempts (phone, created_at);

-- +goose Down
DROP INDEX attempts_phone_time;
