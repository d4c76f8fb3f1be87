-- +goose Up
-- Large contact uploads run as asynq tasks (issue 8); this is their record:
-- the spooled file on the node that received it, the progress while it
-- runs and the report (with every rejected row) when done.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    node        TEXT NOT NULL,
    file        TEXT NOT NULL,
    bytes_total BIGINT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    progress    TEXT NOT NULL DEFAULT '',
    report      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX imports_campaign ON imports (campaign_id);

-- +goose Down
DROP TABLE imports;
