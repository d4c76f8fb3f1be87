-- +goose Up
-- Rule sets are versioned data: an edit inserts a new version, a version is
-- never updated, and each campaign pins one version.
CREATE TABLE rule_sets (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE rule_set_versions (
    rule_set_id BIGINT NOT NULL REFERENCES rule_sets (id),
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (rule_set_id, version)
);

-- The rule-set version a campaign is held to, and the purpose and method
-- of its calls (consent depends on them).
CREATE TABLE campaign_rules (
    campaign_id BIGINT PRIMARY KEY,
    rule_set_id BIGINT NOT NULL,
    version     INTEGER NOT NULL,
    purpose     TEXT NOT NULL,
    method      TEXT NOT NULL,
    pinned_at   BIGINT NOT NULL,
    FOREIGN KEY (rule_set_id, version) REFERENCES rule_set_versions (rule_set_id, version)
);

-- +goose Down
DROP TABLE campaign_rules;
DROP TABLE rule_set_versions;
DROP TABLE rule_sets;
