package console

import "net/http"

// agentPage is the data of agent.html; the page fills itself from the
// event stream's snapshot.
type agentPage struct {
	AgentID   int64
	EventsURL string
	APIBase   string
}

func (c *Console) agentPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Active = "agent"
	v.Title = v.T("nav.agent")
	v.Data = agentPage{AgentID: v.Viewer.AgentID, EventsURL: c.cfg.EventsURL, APIBase: c.cfg.APIBase}
	c.render(w, r, http.StatusOK, "agent", v)
}
