-- +goose Up
-- SIP accounts of agents' phones for the built-in registrar. ha1 is the
-- RFC 2617 digest hash MD5(username:realm:password); the password itself is
-- not kept.
CREATE TABLE agent_sip_accounts (
    agent_id BIGINT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    username TEXT NOT NULL UNIQUE,
    ha1      TEXT NOT NULL
);

-- +goose Down
DROP TABLE agent_sip_accounts;
