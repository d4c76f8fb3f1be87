package console

import "net/http"

// accountPage is the data of account.html.
type accountPage struct {
	APIBase string
	// MinPassword is the shortest password the API takes (0: not said),
	// and PasswordHint says it.
	MinPassword  int
	PasswordHint string
	// Done says what the last change did (the script reloads with ?done=).
	Done string
}

// accountPage is every signed-in person's own page: language and zone,
// password, signing out everywhere. Its script calls the JSON API.
func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Active = "account"
	v.Title = v.T("account.title")
	p := accountPage{APIBase: c.cfg.APIBase, MinPassword: c.cfg.MinPasswordLength,
		PasswordHint: passwordHint(v, c.cfg.MinPasswordLength)}
	if d := r.URL.Query().Get("done"); d == "profile" || d == "password" {
		p.Done = v.T("account.done." + d)
	}
	v.Data = p
	c.render(w, r, http.StatusOK, "account", v)
}

// everyRole is who has an account page: everyone signed in.
var everyRole = []Role{RoleAdmin, RoleMarketer, RoleSupervisor, RoleCompliance, RoleAgent}
