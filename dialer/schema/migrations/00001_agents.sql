-- +goose Up
-- Agents and the campaigns they log in to. login is what the agent asked for
-- (offline, ready, paused) so a restarted node nails their phones up again;
-- the live state (phone_down, reserved, on_call…) is in memory.
CREATE TABLE agents (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    sip_uri      TEXT NOT NULL,
    login        TEXT NOT NULL DEFAULT 'offline',
    pause_reason TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE TABLE agent_campaigns (
    agent_id    BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL,
    PRIMARY KEY (agent_id, campaign_id)
);

-- +goose Down
DROP TABLE agent_campaigns;
DROP TABLE agents;
