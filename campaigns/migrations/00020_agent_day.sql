-- +goose Up
-- The agent console's "my day" reads an agent's calls and dispositions of
-- the day and the callbacks promised to them (campaigns/agent_day.go) after
-- every call: by index, not by scanning every attempt and contact. The
-- number leaves room for migrations written meanwhile on other branches.
CREATE INDEX attempts_agent_bridged ON attempts (agent_id, bridged_at);
CREATE INDEX attempts_agent_disposed ON attempts (agent_id, disposed_at);
CREATE INDEX contacts_callback_agent_due ON contacts (callback_agent_id, next_due_at);

-- +goose Down
DROP INDEX contacts_callback_agent_due;
DROP INDEX attempts_agent_disposed;
DROP INDEX attempts_agent_bridged;
