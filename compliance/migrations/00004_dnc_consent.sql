-- +goose Up
-- Do-not-call entries with scope and provenance (the Foundation's
-- dnc_numbers stays as the global list the API edits).
CREATE TABLE dnc_entries (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    scope_id     BIGINT NOT NULL DEFAULT 0,
    registry     TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    expires_at   BIGINT
);
CREATE INDEX dnc_entries_number ON dnc_entries (number);
CREATE INDEX dnc_entries_registry ON dnc_entries (registry);

-- Imported registries and the download date of the copy in use.
CREATE TABLE dnc_registries (
    name          TEXT PRIMARY KEY,
    downloaded_at BIGINT NOT NULL,
    imported_at   BIGINT NOT NULL,
    entries       BIGINT NOT NULL
);

-- Consent by purpose and method, with its proof; revoking keeps the row.
CREATE TABLE consents (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    method     TEXT NOT NULL,
    source     TEXT NOT NULL,
    proof      TEXT NOT NULL DEFAULT '',
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX consents_number ON consents (number);

-- +goose Down
DROP TABLE consents;
DROP TABLE dnc_registries;
DROP TABLE dnc_entries;
