-- +goose Up
-- Issues 7 and 8: campaign types and their schedules, retry rules, life,
-- contacts from a CRM (external id, several numbers, custom fields,
-- appointments), dispositions and agent callbacks. JSON columns hold
-- settings read whole with the campaign (never queried by field).

-- type: welcome_call, appointment_reminder, notice or outbound_list.
-- agentless: a recorded message instead of an agent (notice; optional for
-- reminders). starts_at/ends_at: the campaign's dates. schedule_json: the
-- type's timing (first-attempt delay and deadline of a welcome call, lead
-- time and cut-off of a reminder). retry_json: delay and limits per
-- outcome. wrap_up_ms: the longest wrap-up before the agent is made ready.
-- stop_reason/ended_at: why and when a campaign was completed or stopped.
ALTER TABLE campaigns ADD COLUMN type TEXT NOT NULL DEFAULT 'outbound_list';
ALTER TABLE campaigns ADD COLUMN agentless INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN starts_at BIGINT;
ALTER TABLE campaigns ADD COLUMN ends_at BIGINT;
ALTER TABLE campaigns ADD COLUMN schedule_json TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN retry_json TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN max_per_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN wrap_up_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN prompts_json TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN column_map_json TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN ended_at BIGINT;

-- external_id: the CRM's id, unique per campaign when given (sending it
-- again updates the contact). phones_json: every number in calling order
-- (phone stays the one the next attempt dials). region: state or region,
-- for rules that go by it (US state windows). fields_json: custom fields
-- shown to agents. appointment_*: what a reminder is about.
-- deadline_at: no attempt starts after it (welcome-call deadline, reminder
-- cut-off); close_reason: why a contact was closed without success.
-- callback_agent_id: an agent-promised callback, offered to that agent
-- first; priority orders due contacts (callbacks, then reminders, then
-- the rest).
ALTER TABLE contacts ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN phones_json TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN fields_json TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN appointment_at BIGINT;
ALTER TABLE contacts ADD COLUMN appointment_place TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN deadline_at BIGINT;
ALTER TABLE contacts ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN callback_agent_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN updated_at BIGINT;
CREATE UNIQUE INDEX contacts_external ON contacts (campaign_id, external_id) WHERE external_id <> '';

-- What the agent (or the contact's key in an agentless call) concluded.
ALTER TABLE attempts ADD COLUMN disposition TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN disposition_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN disposed_at BIGINT;
ALTER TABLE attempts ADD COLUMN disposed_by BIGINT NOT NULL DEFAULT 0;

-- A campaign's disposition codes, each mapped to a meaning the scheduler
-- acts on (success, final_failure, retry, callback, do_not_call,
-- wrong_number, reschedule).
CREATE TABLE dispositions (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    code        TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    meaning     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (campaign_id, code)
);

-- +goose Down
DROP TABLE dispositions;
ALTER TABLE attempts DROP COLUMN disposed_by;
ALTER TABLE attempts DROP COLUMN disposed_at;
ALTER TABLE attempts DROP COLUMN disposition_notes;
ALTER TABLE attempts DROP COLUMN disposition;
DROP INDEX contacts_external;
ALTER TABLE contacts DROP COLUMN updated_at;
ALTER TABLE contacts DROP COLUMN priority;
ALTER TABLE contacts DROP COLUMN callback_agent_id;
ALTER TABLE contacts DROP COLUMN close_reason;
ALTER TABLE contacts DROP COLUMN deadline_at;
ALTER TABLE contacts DROP COLUMN appointment_place;
ALTER TABLE contacts DROP COLUMN appointment_at;
ALTER TABLE contacts DROP COLUMN fields_json;
ALTER TABLE contacts DROP COLUMN region;
ALTER TABLE contacts DROP COLUMN phones_json;
ALTER TABLE contacts DROP COLUMN external_id;
ALTER TABLE campaigns DROP COLUMN ended_at;
ALTER TABLE campaigns DROP COLUMN stop_reason;
ALTER TABLE campaigns DROP COLUMN column_map_json;
ALTER TABLE campaigns DROP COLUMN prompts_json;
ALTER TABLE campaigns DROP COLUMN wrap_up_ms;
ALTER TABLE campaigns DROP COLUMN priority;
ALTER TABLE campaigns DROP COLUMN max_per_number;
ALTER TABLE campaigns DROP COLUMN retry_json;
ALTER TABLE campaigns DROP COLUMN schedule_json;
ALTER TABLE campaigns DROP COLUMN ends_at;
ALTER TABLE campaigns DROP COLUMN starts_at;
ALTER TABLE campaigns DROP COLUMN agentless;
ALTER TABLE campaigns DROP COLUMN type;
