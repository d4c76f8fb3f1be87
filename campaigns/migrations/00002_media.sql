-- +goose Up
-- Media settings of a campaign (issue 6): answering-machine detection and
-- the language of its recorded messages; the contact's language picks the
-- prompt; what the audio told us about each answered attempt.
ALTER TABLE campaigns ADD COLUMN amd_json TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- greeting_end_at: the US abandonment clock start; amd_*: the verdict, the
-- rule that decided and when; message_at: safe-harbour or machine message
-- start; dtmf_key: the key pressed during it; recording: a file in the data dir.
ALTER TABLE attempts ADD COLUMN greeting_end_at BIGINT;
ALTER TABLE attempts ADD COLUMN amd_verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN amd_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN amd_decided_at BIGINT;
ALTER TABLE attempts ADD COLUMN message_at BIGINT;
ALTER TABLE attempts ADD COLUMN dtmf_key TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN recording TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE attempts DROP COLUMN recording;
ALTER TABLE attempts DROP COLUMN dtmf_key;
ALTER TABLE attempts DROP COLUMN message_at;
ALTER TABLE attempts DROP COLUMN amd_decided_at;
ALTER TABLE attempts DROP COLUMN amd_cause;
ALTER TABLE attempts DROP COLUMN amd_verdict;
ALTER TABLE attempts DROP COLUMN greeting_end_at;
ALTER TABLE contacts DROP COLUMN language;
ALTER TABLE campaigns DROP COLUMN language;
ALTER TABLE campaigns DROP COLUMN amd_json;
