package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// UserRow is one user as the admin's users page lists them.
type UserRow struct {
	ID        int64
	Name      string
	Role      Role
	AgentID   int64
	ClientIDs []int64
	// Language and TimeZone are the profile's; "" lets the browser, or
	// the node, decide.
	Language, TimeZone string
	Disabled           bool
	// HasPassword is false for a machine that calls with a token only.
	HasPassword bool
	// LockedUntil ends the sign-in lock-out in force on the name (zero:
	// none); LastSignIn is the last sign-in with a password (zero: never).
	LockedUntil, LastSignIn time.Time
}

// Choice is an agent or a client a user may be tied to.
type Choice struct {
	ID   int64
	Name string
}

// Directory lists what the admin's users page shows: the users, and the
// agents and clients a user may be tied to. It only reads: the page's
// script makes every change through the JSON API, which checks, applies
// and logs it. cmd/alo adapts web's stores to it; without one, /users
// stays a placeholder.
type Directory interface {
	Users(ctx context.Context) ([]UserRow, error)
	Agents(ctx context.Context) ([]Choice, error)
	Clients(ctx context.Context) ([]Choice, error)
}

// usersPage is the data of users.html.
type usersPage struct {
	v       *view
	Rows    []userRowView
	Agents  []Choice
	Clients []Choice
	APIBase string
	// Done says what the last action did (the script reloads the page
	// with ?done=…&id=…), and DoneID whose row it was.
	Done   string
	DoneID int64
	// MinPassword is the shortest password the API takes (0: not said),
	// and PasswordHint says it.
	MinPassword  int
	PasswordHint string
}

// userRowView is a row with the names its ids stand for.
type userRowView struct {
	UserRow
	AgentName   string
	ClientNames []string
	Self        bool
	Locked      bool
	// Edit is the row's current values for the edit dialog, as JSON.
	Edit string
}

// userEdit is what the edit dialog starts from (the API's field names).
type userEdit struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Role      Role    `json:"role"`
	AgentID   int64   `json:"agent_id"`
	ClientIDs []int64 `json:"client_ids"`
	Language  string  `json:"language"`
	TimeZone  string  `json:"time_zone"`
	Disabled  bool    `json:"disabled"`
}

// userForm is the data of the fields the create and edit forms share.
type userForm struct {
	V *view
	// Prefix makes the ids of one form's controls unique ("new", "edit").
	Prefix  string
	Agents  []Choice
	Clients []Choice
}

// Form is the shared fields' data for the form whose ids start with prefix.
func (p usersPage) Form(prefix string) userForm {
	return userForm{V: p.v, Prefix: prefix, Agents: p.Agents, Clients: p.Clients}
}

// passwordField is the data of the template of a new password's field.
type passwordField struct {
	V *view
	// ID is the input's id; Label and Note are catalog keys; Hint says
	// the API's minimum length.
	ID, Label, Note, Hint string
}

// PasswordField is the data of the new password field with id.
func (p usersPage) PasswordField(id, label, note string) passwordField {
	return passwordField{V: p.v, ID: id, Label: label, Note: note, Hint: p.PasswordHint}
}

// Roles are the role choices, in the order the select offers them.
func (v *view) Roles() []Role {
	return []Role{RoleAgent, RoleMarketer, RoleSupervisor, RoleCompliance, RoleAdmin}
}

// LangName is the language with code in its own name, or the catalog's
// word for "the browser's language" when code is "".
func (v *view) LangName(code string) string {
	if l, ok := v.loc.c.catalog.Supported(code); ok {
		return l.Name
	}
	if code == "" {
		return v.T("forms.language_browser")
	}
	return code
}

// ShortTime is t's hour and minute in the viewer's zone when it falls on
// today there, else its date too.
func (v *view) ShortTime(t time.Time) string {
	t, now := t.In(v.loc.zone), v.Now().In(v.loc.zone)
	if t.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return t.Format("15:04")
	}
	return v.Time(t)
}

// NodeZone is the zone of people whose profile has none.
func (v *view) NodeZone() string { return v.loc.c.cfg.TimeZone.String() }

// Zones are the suggestions of the time zone fields: the zones of the
// consoles' languages' countries and their neighbours. Any IANA name is
// accepted; the API checks it.
func (v *view) Zones() []string {
	return []string{"UTC", "Asia/Tashkent", "Asia/Samarkand", "Asia/Almaty", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Oral",
		"Asia/Qyzylorda", "Asia/Baku", "Europe/Kyiv", "Europe/Moscow", "Europe/Minsk", "Asia/Bishkek", "Asia/Dushanbe",
		"Asia/Ashgabat", "Asia/Tbilisi", "Asia/Yerevan", "Europe/Istanbul", "Asia/Dubai", "Europe/London", "Europe/Berlin"}
}

// FormStrings are the messages the forms' scripts need, and the rules
// that put the API's reasons into the viewer's words.
func (v *view) FormStrings(prefixes ...string) map[string]any {
	return map[string]any{
		"strings": v.Strings(append([]string{"forms."}, prefixes...)...),
		"reasons": apiReasons,
	}
}

// usersPage lists every user; its script adds, changes and unlocks them
// through the JSON API and reloads the page to show the result.
func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Active = "users"
	v.Title = v.T("nav.users")
	p, err := c.loadUsers(r.Context(), v)
	if err != nil {
		c.log.Error("console: users page", "user", v.Viewer.Name, "err", err)
		v.Data = errorPage{Heading: v.T("users.unavailable.title"), Body: v.T("users.unavailable.body")}
		c.render(w, r, http.StatusServiceUnavailable, "error", v)
		return
	}
	q := r.URL.Query()
	p.DoneID, _ = strconv.ParseInt(q.Get("id"), 10, 64)
	for _, row := range p.Rows {
		if row.ID == p.DoneID && doneKinds[q.Get("done")] {
			p.Done = v.T("users.done."+q.Get("done"), row.Name)
		}
	}
	v.Data = p
	c.render(w, r, http.StatusOK, "users", v)
}

// doneKinds are the results the users page reports after a reload.
var doneKinds = map[string]bool{"created": true, "changed": true, "password": true, "unlocked": true}

func (c *Console) loadUsers(ctx context.Context, v *view) (usersPage, error) {
	d := c.cfg.Directory
	users, err := d.Users(ctx)
	if err != nil {
		return usersPage{}, err
	}
	agents, err := d.Agents(ctx)
	if err != nil {
		return usersPage{}, err
	}
	clients, err := d.Clients(ctx)
	if err != nil {
		return usersPage{}, err
	}
	p := usersPage{v: v, Agents: agents, Clients: clients, APIBase: c.cfg.APIBase,
		MinPassword: c.cfg.MinPasswordLength, PasswordHint: passwordHint(v, c.cfg.MinPasswordLength)}
	agentName, clientName := names(agents), names(clients)
	now := c.cfg.Now()
	for _, u := range users {
		row := userRowView{UserRow: u, AgentName: agentName[u.AgentID], Self: u.ID == v.Viewer.UserID,
			Locked: u.LockedUntil.After(now)}
		if u.AgentID != 0 && row.AgentName == "" {
			row.AgentName = "#" + strconv.FormatInt(u.AgentID, 10)
		}
		for _, id := range u.ClientIDs {
			n := clientName[id]
			if n == "" {
				n = "#" + strconv.FormatInt(id, 10)
			}
			row.ClientNames = append(row.ClientNames, n)
		}
		edit, err := json.Marshal(userEdit{ID: u.ID, Name: u.Name, Role: u.Role, AgentID: u.AgentID, ClientIDs: u.ClientIDs,
			Language: u.Language, TimeZone: u.TimeZone, Disabled: u.Disabled})
		if err != nil {
			return usersPage{}, err
		}
		row.Edit = string(edit)
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

func names(cs []Choice) map[int64]string {
	m := make(map[int64]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Name
	}
	return m
}

// passwordHint says how long a password must be, or nothing when the
// console was not told.
func passwordHint(v *view, min int) string {
	if min <= 0 {
		return ""
	}
	return v.T("forms.password_hint", min)
}
