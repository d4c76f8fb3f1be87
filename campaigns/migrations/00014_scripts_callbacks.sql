-- +goose Up
-- A campaign's script for its agents (plain text with {{placeholders}}),
-- and the time a callback was promised for while the promise is open, so
-- an agent's "my callbacks" list is one indexed query.
ALTER TABLE campaigns ADD COLUMN script TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN callback_at BIGINT;
CREATE INDEX contacts_callback_agent ON contacts (callback_agent_id, callback_at);

-- +goose Down
DROP INDEX contacts_callback_agent;
ALTER TABLE contacts DROP COLUMN callback_at;
ALTER TABLE campaigns DROP COLUMN script;
