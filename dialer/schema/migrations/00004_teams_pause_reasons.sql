-- +goose Up
-- Teams of agents (a supervisor's floor is read by team), and the reasons
-- agents may pause with: a global list, each reason optionally limited to
-- some campaigns (pause_reason_campaigns; none: every campaign).
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE agent_teams (
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    team_id  BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, team_id)
);
CREATE INDEX agent_teams_team ON agent_teams (team_id);
CREATE TABLE pause_reasons (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE pause_reason_campaigns (
    reason_id   BIGINT NOT NULL REFERENCES pause_reasons(id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL,
    PRIMARY KEY (reason_id, campaign_id)
);

-- +goose Down
DROP TABLE pause_reason_campaigns;
DROP TABLE pause_reasons;
DROP TABLE agent_teams;
DROP TABLE teams;
