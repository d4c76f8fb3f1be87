-- +goose Up
-- The abandonment ledger, shared by every node: live answers, abandons and
-- machine verdicts per campaign per legal window (US: successive 30-day
-- periods from the campaign's first call; UK/CIS: calendar days).
CREATE TABLE abandon_campaigns (
    campaign_id   BIGINT PRIMARY KEY,
    first_call_at BIGINT NOT NULL
);

CREATE TABLE abandon_ledger (
    campaign_id  BIGINT NOT NULL,
    window_kind  TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end   BIGINT NOT NULL,
    live         BIGINT NOT NULL DEFAULT 0,
    abandoned    BIGINT NOT NULL DEFAULT 0,
    machine      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, window_kind, window_start)
);

-- +goose Down
DROP TABLE abandon_ledger;
DROP TABLE abandon_campaigns;
