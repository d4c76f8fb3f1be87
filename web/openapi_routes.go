package web

import (
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/dialer/trunk"
)

// Query parameters several lists share.
var (
	pageQuery = map[string]string{"limit": "at most this many items (default 100, at most 10000)", "offset": "skip this many items"}
	csvType   = "text/csv"

	cursorLimit = "at most this many items (default 100, at most 1000)"
	cursorDoc   = "the next_cursor of the previous page"
	cursorQuery = map[string]string{"limit": cursorLimit, "cursor": cursorDoc}
)

// apiOps documents every route of /api/v1 (keyed by its pattern as
// registered with s.handle). TestOpenAPICoversRoutes fails for a route
// registered without an entry here, naming it, and for an entry whose
// route is not registered.
var apiOps = map[string]apiOp{
	"GET /api/v1/health":       {Summary: "The process answers; the build that answers (version, commit, Go version).", Response: healthBody{}},
	"GET /api/v1/openapi.json": {Summary: "This document.", Response: map[string]any{}},

	"POST /api/v1/session":           {Summary: "Sign in with name and password; sets the session cookie.", Request: signInRequest{}, Response: User{}},
	"GET /api/v1/session":            {Summary: "Who is calling.", Response: User{}},
	"DELETE /api/v1/session":         {Summary: "Sign out of this session.", Status: http.StatusNoContent},
	"DELETE /api/v1/sessions":        {Summary: "Sign out of every session of the caller.", Status: http.StatusNoContent},
	"POST /api/v1/session/password":  {Summary: "Change the caller's password.", Request: changePasswordRequest{}, Status: http.StatusNoContent},
	"GET /api/v1/users":              {Summary: "List users.", Response: []User{}},
	"POST /api/v1/users":             {Summary: "Create a user (a token is answered once).", Request: createUserRequest{}, Response: createdUser{}, Status: http.StatusCreated},
	"GET /api/v1/users/{id}":         {Summary: "One user.", Response: User{}},
	"PATCH /api/v1/users/{id}":       {Summary: "Change a user's role, clients, agent or status.", Request: patchUserRequest{}, Response: User{}},
	"POST /api/v1/users/{id}/unlock": {Summary: "Lift a user's sign-in lock-outs.", Response: map[string]int64{}},

	"POST /api/v1/clients": {Summary: "Create a client (the company on whose behalf campaigns call).", Request: createClientRequest{}, Response: campaigns.Client{}, Status: http.StatusCreated},
	"GET /api/v1/clients":  {Summary: "List clients.", Response: []campaigns.Client{}},

	"POST /api/v1/campaigns":                             {Summary: "Create a campaign.", Request: createCampaignRequest{}, Response: campaignView{}, Status: http.StatusCreated},
	"GET /api/v1/campaigns":                              {Summary: "List campaigns the caller may see.", Response: []campaignView{}},
	"GET /api/v1/campaigns/{id}":                         {Summary: "One campaign.", Response: campaignView{}},
	"POST /api/v1/campaigns/{id}/start":                  {Summary: "Start (or resume) a campaign.", Response: campaignView{}},
	"POST /api/v1/campaigns/{id}/pause":                  {Summary: "Pause a campaign.", Response: campaignView{}},
	"POST /api/v1/campaigns/{id}/stop":                   {Summary: "Stop a campaign for good.", Request: stopRequest{}, Response: campaignView{}},
	"GET /api/v1/campaigns/{id}/contacts/{cid}/attempts": {Summary: "A contact's attempts.", Response: []campaigns.Attempt{}},
	"GET /api/v1/campaigns/{id}/stats":                   {Summary: "A campaign's counts by contact state and outcome.", Response: campaigns.Stats{}},
	"GET /api/v1/campaigns/{id}/attempts": {Summary: "A campaign's attempts: an array paged by offset, or with ?cursor= (empty for the first page) {items, next_cursor}.",
		Response: []campaigns.Attempt{}, Query: map[string]string{"limit": pageQuery["limit"], "offset": pageQuery["offset"], "cursor": cursorDoc + "; empty for the first page"}},
	"GET /api/v1/campaigns/{id}/contacts": {Summary: "A campaign's contacts: an array paged by offset, or with ?cursor= (empty for the first page) {items, next_cursor}.",
		Response: []campaigns.Contact{}, Query: map[string]string{"limit": pageQuery["limit"], "offset": pageQuery["offset"], "cursor": cursorDoc + "; empty for the first page"}},
	"POST /api/v1/campaigns/{id}/contacts": {Summary: "Add contacts: a JSON contact or array of up to 64 MB (a contact whose external_id is in the campaign is updated), or a CSV file (large ones run as a background import: 202 and Location).",
		Request: []contactItem{}, Response: addContactsResponse{}, Status: http.StatusCreated,
		Query: map[string]string{"region": "country (ISO 3166 alpha-2) for CSV numbers without a +code and no country column", "async": "true: import the CSV in the background"}},
	"GET /api/v1/campaigns/{id}/column-map":            {Summary: "The CSV header → field mapping of a campaign's imports.", Response: campaigns.ColumnMap{}},
	"PUT /api/v1/campaigns/{id}/column-map":            {Summary: "Save the CSV header → field mapping.", Request: campaigns.ColumnMap{}, Response: campaigns.ColumnMap{}},
	"POST /api/v1/campaigns/{id}/contacts/{cid}/erase": {Summary: "Erase a contact (a customer's right): name, fields, appointment and recordings removed, the number replaced by a keyed hash everywhere, and blocked from further calls; the audit trail gains an erased record.", Response: campaigns.Erasure{}},
	"GET /api/v1/imports/{id}":                         {Summary: "A background import: status, progress, report.", Response: campaigns.ImportJob{}},
	"GET /api/v1/campaigns/{id}/export":                {Summary: "Contacts or attempts with their results, as CSV.", ResponseType: csvType, Query: map[string]string{"what": "contacts or attempts", "bom": "true: start with a UTF-8 BOM for Excel"}},

	"PUT /api/v1/clients/{id}/webhook":                    {Summary: "Set a client's result webhook.", Request: webhookRequest{}, Response: campaigns.Webhook{}},
	"GET /api/v1/clients/{id}/webhook":                    {Summary: "A client's result webhook.", Response: campaigns.Webhook{}},
	"GET /api/v1/webhooks/deliveries":                     {Summary: "The webhook delivery log.", Response: []campaigns.WebhookEvent{}, Query: map[string]string{"status": "pending, delivered or failed", "limit": pageQuery["limit"], "offset": pageQuery["offset"]}},
	"GET /api/v1/webhooks/deliveries/{id}":                {Summary: "One delivery.", Response: campaigns.WebhookEvent{}},
	"POST /api/v1/webhooks/deliveries/{id}/replay":        {Summary: "Deliver an event again.", Response: campaigns.WebhookEvent{}, Status: http.StatusAccepted},
	"GET /api/v1/campaigns/{id}/dispositions":             {Summary: "A campaign's disposition codes.", Response: []campaigns.Disposition{}},
	"PUT /api/v1/campaigns/{id}/dispositions":             {Summary: "Replace a campaign's disposition codes.", Request: []campaigns.Disposition{}, Response: []campaigns.Disposition{}},
	"POST /api/v1/attempts/{id}/disposition":              {Summary: "Record what an attempt concluded.", Request: disposeRequest{}, Response: campaigns.Disposed{}},
	"POST /api/v1/prompts":                                {Summary: "Upload a recorded message (multipart: lang, name, file as WAV).", RequestType: "multipart/form-data", Response: prompt.Info{}, Status: http.StatusCreated},
	"GET /api/v1/prompts":                                 {Summary: "List recorded messages.", Response: []prompt.Info{}},
	"GET /api/v1/campaigns/{id}/attempts/{aid}/recording": {Summary: "An attempt's recording (WAV, Range requests).", ResponseType: "audio/wav"},

	"POST /api/v1/agents/{id}/offer/{offer}/call": {Summary: "A preview campaign's agent calls the contact offered to them.", Status: http.StatusNoContent},
	"POST /api/v1/agents/{id}/offer/{offer}/skip": {Summary: "A preview campaign's agent skips the contact offered (put off by the retry delay, no attempt used).", Status: http.StatusNoContent},
	"POST /api/v1/agents/{id}/hangup":             {Summary: "End the customer's leg of the agent's current call.", Response: map[string]bool{}},
	"POST /api/v1/agents/{id}/mute":               {Summary: "Stop (on) or restore (off) the agent's audio to the customer on the current call.", Request: toggleRequest{}, Response: dialer.CallControl{}},
	"POST /api/v1/agents/{id}/hold":               {Summary: "Hold (on) or resume (off) the current call: no audio either way while held.", Request: toggleRequest{}, Response: dialer.CallControl{}},
	"GET /livez":                                  {Summary: "The process answers (a liveness probe).", Response: map[string]string{}},
	"GET /readyz":                                 {Summary: "The node can place calls: SQL, Redis, the audit trail and the data dir are writable and it is not draining; 503 with the failing checks otherwise.", Response: Readiness{}},
	"GET /metrics":                                {Summary: "Prometheus metrics (text exposition).", ResponseType: "text/plain"},

	"PATCH /api/v1/session/profile":            {Summary: "Change the caller's own language and time zone.", Request: profileRequest{}, Response: User{}},
	"PUT /api/v1/campaigns/{id}/script":        {Summary: "Set the script agents read on a campaign's calls (plain text with {{placeholders}}).", Request: scriptRequest{}, Response: campaignView{}},
	"PUT /api/v1/agents/{id}/pause-after-call": {Summary: "Pause the agent when their current call (or its wrap-up) ends, or withdraw that.", Request: pauseAfterCallRequest{}, Response: agent.Agent{}},
	"GET /api/v1/agents/{id}/callbacks":        {Summary: "The open callbacks an agent promised for one day, earliest first.", Response: []campaigns.Callback{}, Query: map[string]string{"day": "YYYY-MM-DD (default today)", "tz": "IANA zone of the day (default the caller's, else UTC)"}},
	"GET /api/v1/teams":                        {Summary: "List teams.", Response: []agent.Team{}},
	"POST /api/v1/teams":                       {Summary: "Create a team.", Request: teamRequest{}, Response: agent.Team{}, Status: http.StatusCreated},
	"PATCH /api/v1/teams/{id}":                 {Summary: "Rename a team.", Request: teamRequest{}, Response: agent.Team{}},
	"DELETE /api/v1/teams/{id}":                {Summary: "Delete a team (its agents stay).", Status: http.StatusNoContent},
	"PUT /api/v1/agents/{id}/teams":            {Summary: "Replace an agent's teams.", Request: agentTeamsRequest{}, Response: agent.Agent{}},
	"GET /api/v1/pause-reasons":                {Summary: "The pause reasons offered (an agent sees those of the campaigns they work).", Response: []agent.PauseReason{}},
	"POST /api/v1/pause-reasons":               {Summary: "Add a pause reason, or replace the one with its code (200).", Request: pauseReasonRequest{}, Response: agent.PauseReason{}, Status: http.StatusCreated},
	"DELETE /api/v1/pause-reasons/{id}":        {Summary: "Remove a pause reason.", Status: http.StatusNoContent},

	"POST /api/v1/agents":                 {Summary: "Create an agent.", Request: createAgentRequest{}, Response: agent.Agent{}, Status: http.StatusCreated},
	"GET /api/v1/agents":                  {Summary: "List agents.", Response: []agent.Agent{}},
	"GET /api/v1/agents/{id}":             {Summary: "One agent.", Response: agent.Agent{}},
	"POST /api/v1/agents/{id}/ready":      {Summary: "The agent is ready for calls.", Response: agent.Agent{}},
	"POST /api/v1/agents/{id}/pause":      {Summary: "The agent pauses, with a reason.", Request: pauseAgentRequest{}, Response: agent.Agent{}},
	"POST /api/v1/agents/{id}/offline":    {Summary: "The agent goes offline.", Response: agent.Agent{}},
	"PUT /api/v1/agents/{id}/sip-account": {Summary: "Set the agent's registrar credentials.", Request: sipAccountRequest{}, Response: sipAccountResponse{}},

	"POST /api/v1/trunks":                    {Summary: "Add a carrier trunk.", Request: trunkRequest{}, Response: trunk.Status{}, Status: http.StatusCreated},
	"GET /api/v1/trunks":                     {Summary: "List trunks with their state.", Response: []trunk.Status{}},
	"GET /api/v1/trunks/{id}":                {Summary: "One trunk with its state.", Response: trunk.Status{}},
	"PUT /api/v1/trunks/{id}":                {Summary: "Change a trunk.", Request: trunkRequest{}, Response: trunk.Status{}},
	"DELETE /api/v1/trunks/{id}":             {Summary: "Remove a trunk.", Status: http.StatusNoContent},
	"GET /api/v1/campaigns/{id}/trunk-group": {Summary: "The trunk group a campaign calls through.", Response: trunkGroupResponse{}},
	"PUT /api/v1/campaigns/{id}/trunk-group": {Summary: "Set the trunk group a campaign calls through.", Request: trunkGroupRequest{}, Response: trunkGroupResponse{}},

	"POST /api/v1/dnc":            {Summary: "Add a number to the global do-not-call list.", Request: addDNCRequest{}, Response: dncView{}, Status: http.StatusCreated},
	"GET /api/v1/dnc":             {Summary: "The global do-not-call list.", Response: []compliance.DNCEntry{}},
	"DELETE /api/v1/dnc/{number}": {Summary: "Remove a number from the global do-not-call list.", Status: http.StatusNoContent},

	"GET /api/v1/compliance/presets":               {Summary: "The rule-set presets (us-tcpa, uk-ofcom, cis-default …).", Response: []presetView{}},
	"POST /api/v1/rule-sets":                       {Summary: "Create a rule set, from a preset or in full.", Request: createRuleSetRequest{}, Response: compliance.RuleSet{}, Status: http.StatusCreated},
	"GET /api/v1/rule-sets/{id}":                   {Summary: "A rule set (latest version, or ?version=).", Response: compliance.RuleSet{}, Query: map[string]string{"version": "a past version"}},
	"GET /api/v1/rule-sets/{id}/versions":          {Summary: "Every version of a rule set.", Response: []compliance.RuleSet{}},
	"PUT /api/v1/rule-sets/{id}":                   {Summary: "Edit a rule set (a new version).", Request: compliance.RuleSet{}, Response: compliance.RuleSet{}},
	"GET /api/v1/campaigns/{id}/rules":             {Summary: "The rule set a campaign is pinned to.", Response: compliance.Binding{}},
	"PUT /api/v1/campaigns/{id}/rules":             {Summary: "Pin a campaign to a rule set version.", Request: pinRequest{}, Response: compliance.Binding{}},
	"GET /api/v1/campaigns/{id}/abandonment":       {Summary: "The abandonment window now: rate and budget left.", Response: compliance.LedgerWindow{}, Query: map[string]string{"at": "RFC 3339 time (default now)"}},
	"GET /api/v1/campaigns/{id}/compliance-report": {Summary: "The compliance report of a period.", Response: compliance.Report{}, Query: map[string]string{"from": "RFC 3339", "to": "RFC 3339"}},
	"POST /api/v1/compliance/dnc":                  {Summary: "Add a scoped do-not-call entry (global, client or campaign).", Request: scopedDNCRequest{}, Response: compliance.DNCRecord{}, Status: http.StatusCreated},
	"GET /api/v1/compliance/dnc/{number}":          {Summary: "Every do-not-call entry of a number.", Response: []compliance.DNCRecord{}},
	"DELETE /api/v1/compliance/dnc/entries/{id}":   {Summary: "Remove a scoped do-not-call entry.", Status: http.StatusNoContent},
	"PUT /api/v1/compliance/registries/{name}":     {Summary: "Replace a national registry's numbers (CSV, first column).", RequestType: csvType, Response: map[string]int{}},
	"POST /api/v1/compliance/consents":             {Summary: "Record a contact's consent.", Request: compliance.ConsentRecord{}, Response: compliance.ConsentRecord{}, Status: http.StatusCreated},
	"POST /api/v1/compliance/consents/{id}/revoke": {Summary: "Revoke a consent.", Response: compliance.ConsentRecord{}},

	"GET /api/v1/audit": {Summary: "The audit trail, oldest first, filtered and cursor-paged.", Response: pageBody[compliance.AuditRecord]{},
		Query: map[string]string{"kind": "dnc, consent, rules, gate, erased …", "campaign_id": "", "contact_id": "", "number": "E.164, or an erased number's pseudonym",
			"from": "RFC 3339: at or after", "to": "RFC 3339: before", "limit": cursorLimit, "cursor": cursorDoc}},
	"GET /api/v1/rule-sets":           {Summary: "Rule sets with their latest version, cursor-paged.", Response: pageBody[compliance.RuleSetSummary]{}, Query: cursorQuery},
	"GET /api/v1/compliance/dnc":      {Summary: "Scoped and registry do-not-call entries, cursor-paged.", Response: pageBody[compliance.DNCRecord]{}, Query: map[string]string{"scope": "global, client, campaign or registry", "scope_id": "client or campaign id", "source": "agent, key_press, api or import", "limit": cursorLimit, "cursor": cursorDoc}},
	"GET /api/v1/compliance/consents": {Summary: "Consents (revoked ones too), cursor-paged.", Response: pageBody[compliance.ConsentRecord]{}, Query: map[string]string{"number": "E.164", "purpose": "informational, telemarketing or collection", "limit": cursorLimit, "cursor": cursorDoc}},
	"GET /api/v1/events":              {Summary: "Live events as server-sent events (Last-Event-ID resumes).", ResponseType: "text/event-stream"},
}
