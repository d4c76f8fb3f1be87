package console

// apiReason puts one reason the JSON API gives for a wrong field into the
// viewer's words. The API answers {"error", "fields": [{"field",
// "reason"}]} with reasons in English; the forms' script (forms.js) tries
// these rules in order, and shows the message of the first whose Field and
// Reason (regular expressions, written to mean the same in Go and
// JavaScript) match, its %s filled with Reason's groups. A reason no rule
// matches is shown as the API wrote it. TestAPIReasonsKnown provokes the
// users and session routes' reasons from the real API and checks each has
// a rule, so a reworded reason fails a test instead of turning English.
type apiReason struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// Key is the catalog's message (forms.err.…).
	Key string `json:"key"`
}

var apiReasons = []apiReason{
	{`^name$`, `^must not be empty$`, "forms.err.required"},
	{`^name$`, `^longer than (\d+) characters$`, "forms.err.name_long"},
	{`^name$`, `^only letters, digits`, "forms.err.name_chars"},
	// A taken name is a 409 without fields; the script puts it at the name.
	{`^name$`, `already exists$`, "forms.err.name_taken"},
	{`^role$`, `^you may not demote yourself`, "forms.err.self_demote"},
	{`^role$`, `^role ".*": want one of`, "forms.err.role"},
	{`^disabled$`, `^you may not disable yourself`, "forms.err.self_disable"},
	{`^agent_id$`, `^required for role agent`, "forms.err.agent_required"},
	{`^agent_id$`, `^only a user of role agent is an agent$`, "forms.err.agent_not_agent"},
	{`^agent_id$`, `^no agent with id (\d+)$`, "forms.err.agent_unknown"},
	{`^agent_id$`, `^agent (\d+) is already another user$`, "forms.err.agent_taken"},
	{`^client_ids\[\d+\]$`, `^no client with id (\d+)$`, "forms.err.client_unknown"},
	{`^client_ids\[\d+\]$`, `^must be a client id`, "forms.err.client_unknown_id"},
	{`^client_ids$`, `^at most (\d+) clients$`, "forms.err.clients_many"},
	{`password$`, `^(?:must be )?at least (\d+) characters$`, "forms.err.password_short"},
	{`password$`, `^(?:must be )?at most (\d+) characters$`, "forms.err.password_long"},
	{`password$`, `^no control characters$`, "forms.err.password_control"},
	{`^password$`, `^required, unless token is true`, "forms.err.required"},
	{`^new_password$`, `^must differ from the old password$`, "forms.err.password_same"},
	{`^old_password$`, `^wrong password$`, "forms.err.password_wrong"},
	{`^old_password$`, `^this user has no password yet`, "forms.err.password_none"},
	{`^language$`, `^must be a language tag`, "forms.err.language"},
	{`^time_zone$`, `^unknown time zone "(.*)"`, "forms.err.zone_unknown"},
	{`^time_zone$`, `^"Local" is not a time zone`, "forms.err.zone_local"},
	{`.`, `^required$`, "forms.err.required"},
}
