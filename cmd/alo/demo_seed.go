package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/web"
)

// The demo's data: the welcome-call campaign its simulated agents call,
// a second campaign for the agent a person works from the browser, one
// user per role with a password, teams and pause reasons.

// demoLoginsFile keeps the demo's logins in its data dir, so a demo run
// again on the same --data-dir keeps its passwords (and its token).
const demoLoginsFile = "demo-logins.json"

// demoLogin is one user a person signs in as.
type demoLogin struct {
	Role     web.Role `json:"role"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	// Note says what the user is for.
	Note string `json:"note,omitempty"`
}

// demoState is what a demo seeded, kept in demoLoginsFile.
type demoState struct {
	Token string `json:"token"`
	// CampaignID is the simulated agents' campaign (the summary's);
	// BrowserCampaignID the browser agent's.
	CampaignID        int64       `json:"campaign_id"`
	BrowserCampaignID int64       `json:"browser_campaign_id"`
	Logins            []demoLogin `json:"logins"`
}

// demoPasswordAlphabet leaves out characters that look alike (0 O, 1 l I).
const demoPasswordAlphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY2346789"

// demoPassword is a random password of 14 characters (about 80 bits).
func demoPassword() string {
	b := make([]byte, 14)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	for i := range b {
		b[i] = demoPasswordAlphabet[int(b[i])%len(demoPasswordAlphabet)]
	}
	return string(b)
}

// demoScript is the welcome call's script: built-in placeholders and the
// demo contacts' custom fields (card, branch).
const demoScript = `Hello, am I speaking with {{name}}?

This is {{agent_name}} from Demo Bank ({{campaign_name}}). Your new {{card}} card has been issued and is waiting at our {{branch}} branch.

1. Has the card reached you? If not, offer a callback once it has.
2. Remind them: the PIN comes by SMS to {{phone}}; never tell it to anyone, including us.
3. Thank them, and ask if there is anything else.`

// demoBrowserScript is the browser agent's campaign script.
const demoBrowserScript = `Hello {{name}}, this is {{agent_name}} from Demo Bank.

We are calling about your {{card}} card ({{campaign_name}}): activation was not finished. Your credit limit is {{limit}}.

- Activated now: dispose "Done" (key 1).
- Busy: press "Call back" and pick a time in their calling hours, for you or for anyone.
- Wrong person: "Wrong number".`

// demoCards and demoBranches fill the contacts' custom fields.
var (
	demoCards    = []string{"Visa Classic", "Mastercard Gold", "Visa Platinum", "Humo", "UzCard"}
	demoBranches = []string{"Amir Temur", "Chilonzor", "Yunusobod", "Samarkand Registan", "Bukhara Old Town"}
	demoNames    = []string{"Aziz Karimov", "Dilnoza Yusupova", "Aigerim Bekova", "Rustam Aliyev", "Olena Kovalenko", "Timur Nazarov"}
)

// startDemo seeds a new demo, or (its logins file in the data dir) picks
// up the one seeded there before. The phones' address changes every run,
// so the agents are pointed at it again.
func startDemo(ctx context.Context, a *app, phones phoneURIs, dir string, nAgents, nContacts int) (demoState, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, demoLoginsFile))
	if errors.Is(err, os.ErrNotExist) {
		st, err := seedDemo(ctx, a, phones, nAgents, nContacts)
		if err != nil {
			return demoState{}, false, err
		}
		b, _ := json.MarshalIndent(st, "", "  ") // plain structs always marshal
		if err := os.WriteFile(filepath.Join(dir, demoLoginsFile), b, 0o600); err != nil {
			return demoState{}, false, fmt.Errorf("keep the demo's logins: %w", err)
		}
		return st, false, nil
	}
	if err != nil {
		return demoState{}, false, fmt.Errorf("the demo's logins: %w", err)
	}
	var st demoState
	if err := json.Unmarshal(b, &st); err != nil {
		return demoState{}, false, fmt.Errorf("%s: %w", filepath.Join(dir, demoLoginsFile), err)
	}
	return st, true, resumeDemo(ctx, a, phones)
}

// phoneURIs is where the simulated phones answer (sipsim.Phones).
type phoneURIs interface{ URI(agent string) string }

// resumeDemo points every agent at this run's simulated phones and logs
// them in again (cutting short the dial to last run's address): the
// simulated agents ready, the browser agent paused until the person
// presses Ready.
func resumeDemo(ctx context.Context, a *app, phones phoneURIs) error {
	as, err := a.agents.ListAgents(ctx)
	if err != nil {
		return err
	}
	for _, ag := range as {
		user, _, _ := strings.Cut(strings.TrimPrefix(ag.SIPURI, "sip:"), "@")
		if _, err := a.agents.SetSIPURI(ctx, ag.ID, phones.URI(user)); err != nil {
			return err
		}
		if _, err := a.agents.SetOffline(ctx, ag.ID); err != nil {
			return err
		}
		if user == demoBrowserPhone {
			_, err = a.agents.SetPaused(ctx, ag.ID, "")
		} else {
			_, err = a.agents.SetReady(ctx, ag.ID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// demoBrowserPhone is the user part of the browser agent's simulated phone.
const demoBrowserPhone = "browser"

// seedDemo creates the users, client, campaigns, contacts, agents, teams
// and pause reasons, sets the simulated agents ready and starts both
// campaigns.
func seedDemo(ctx context.Context, a *app, phones phoneURIs, nAgents, nContacts int) (demoState, error) {
	var st demoState
	admin := demoLogin{Role: web.RoleAdmin, Name: "admin", Password: demoPassword()}
	_, token, err := a.users.Create(ctx, web.NewUser{Name: admin.Name, Role: admin.Role, Password: admin.Password, Token: true})
	if err != nil {
		return st, err
	}
	st.Token = token
	client, err := a.store.CreateClient(ctx, "Demo Bank")
	if err != nil {
		return st, err
	}
	camp, err := seedCampaign(ctx, a, campaigns.Campaign{
		ClientID: client.ID, Name: "Welcome calls: new card holders", Script: demoScript,
		MaxAttempts: 1, RingTimeout: 15 * time.Second, RetryDelay: time.Hour,
	}, nContacts, func(i int) string { return demoNumber(i) })
	if err != nil {
		return st, err
	}
	// The browser agent's own campaign: a wrap-up to dispose in, and no
	// simulated agent to take its calls while the person is paused.
	browser, err := seedCampaign(ctx, a, campaigns.Campaign{
		ClientID: client.ID, Name: "Card activation: follow-up", Script: demoBrowserScript,
		MaxAttempts: 3, RingTimeout: 15 * time.Second, RetryDelay: 10 * time.Minute, WrapUp: 2 * time.Minute,
	}, 200, func(i int) string { return demoNumber(maxDemoContacts - 1 - i) })
	if err != nil {
		return st, err
	}
	st.CampaignID, st.BrowserCampaignID = camp.ID, browser.ID
	agentIDs, err := seedAgents(ctx, a, phones, camp.ID, browser.ID, nAgents)
	if err != nil {
		return st, err
	}
	if err := seedFloor(ctx, a, agentIDs, browser.ID); err != nil {
		return st, err
	}
	if st.Logins, err = seedLogins(ctx, a, agentIDs[0], agentIDs[1]); err != nil {
		return st, err
	}
	st.Logins = append([]demoLogin{admin}, st.Logins...)
	for _, id := range []int64{camp.ID, browser.ID} {
		if err := a.store.SetStatus(ctx, id, campaigns.StatusRunning); err != nil {
			return st, err
		}
		a.eng.Wake(id)
	}
	return st, nil
}

// seedCampaign creates a round-the-clock campaign (UTC, so the demo calls
// whatever the hour) with n contacts carrying the script's custom fields.
func seedCampaign(ctx context.Context, a *app, c campaigns.Campaign, n int, number func(int) string) (campaigns.Campaign, error) {
	c.DailyStart, c.DailyEnd, c.TimeZone, c.DefaultRegion = 0, 24*60, "UTC", "GB"
	c, err := a.store.CreateCampaign(ctx, c)
	if err != nil {
		return c, err
	}
	in := make([]campaigns.NewContact, n)
	for i := range in {
		in[i] = campaigns.NewContact{Phone: number(i), Name: demoNames[i%len(demoNames)], TimeZone: "UTC", Fields: map[string]string{
			"card":   fmt.Sprintf("%s •••• %04d", demoCards[i%len(demoCards)], (i*7919)%10000),
			"branch": demoBranches[i%len(demoBranches)],
			"limit":  fmt.Sprintf("%d 000 000 UZS", 5+i%20),
		}}
	}
	_, err = a.store.AddContacts(ctx, c.ID, in)
	return c, err
}

// seedAgents creates the simulated agents (ready, on the welcome calls)
// and the browser agent (paused until the person presses Ready), all with
// simulated phones. It returns the browser agent's id, then the first
// simulated agent's.
func seedAgents(ctx context.Context, a *app, phones phoneURIs, campaignID, browserID int64, n int) ([]int64, error) {
	br, err := a.agents.CreateAgent(ctx, agent.NewAgent{Name: "Dilnoza", SIPURI: phones.URI(demoBrowserPhone), CampaignIDs: []int64{browserID}})
	if err != nil {
		return nil, err
	}
	if _, err := a.agents.SetPaused(ctx, br.ID, ""); err != nil {
		return nil, err
	}
	ids := []int64{br.ID}
	for i := 1; i <= n; i++ {
		ag, err := a.agents.CreateAgent(ctx, agent.NewAgent{
			Name: fmt.Sprintf("Agent %d", i), SIPURI: phones.URI(fmt.Sprintf("agent%d", i)), CampaignIDs: []int64{campaignID},
		})
		if err != nil {
			return nil, err
		}
		if _, err := a.agents.SetReady(ctx, ag.ID); err != nil {
			return nil, err
		}
		ids = append(ids, ag.ID)
	}
	return ids, nil
}

// seedFloor creates the teams (the browser agent's, and the simulated
// agents') and the pause reasons, one of them only for the browser
// agent's campaign.
func seedFloor(ctx context.Context, a *app, agentIDs []int64, browserCampaign int64) error {
	follow, err := a.agents.CreateTeam(ctx, "Follow-up")
	if err != nil {
		return err
	}
	welcome, err := a.agents.CreateTeam(ctx, "Welcome calls")
	if err != nil {
		return err
	}
	for i, id := range agentIDs {
		team := welcome.ID
		if i == 0 {
			team = follow.ID
		}
		if _, err := a.agents.SetAgentTeams(ctx, id, []int64{team}); err != nil {
			return err
		}
	}
	for _, p := range []agent.PauseReason{
		{Code: "break", Label: "Short break"}, {Code: "lunch", Label: "Lunch"}, {Code: "training", Label: "Training"},
		{Code: "technical", Label: "Technical problem"}, {Code: "callback_prep", Label: "Preparing a callback", CampaignIDs: []int64{browserCampaign}},
	} {
		if _, _, err := a.agents.SavePauseReason(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// seedLogins creates a user with a random password for every role but
// admin (seedDemo's, with the token): the agent users are the browser
// agent and the first simulated agent.
func seedLogins(ctx context.Context, a *app, browserAgent, simAgent int64) ([]demoLogin, error) {
	logins := []demoLogin{
		{Role: web.RoleMarketer, Name: "marketer"},
		{Role: web.RoleSupervisor, Name: "supervisor"},
		{Role: web.RoleCompliance, Name: "compliance"},
		{Role: web.RoleAgent, Name: "dilnoza", Note: "your agent: press Ready; calls ring its simulated phone, which answers by itself"},
		{Role: web.RoleAgent, Name: "agent1", Note: "the screen of simulated Agent 1 (its calls come and go by themselves)"},
	}
	agents := map[string]int64{"dilnoza": browserAgent, "agent1": simAgent}
	for i := range logins {
		l := &logins[i]
		l.Password = demoPassword()
		if _, _, err := a.users.Create(ctx, web.NewUser{Name: l.Name, Role: l.Role, Password: l.Password, AgentID: agents[l.Name]}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", l.Name, err)
		}
	}
	return logins, nil
}

// printDemoBanner says where the demo is and how to sign in.
func printDemoBanner(w io.Writer, url, dir string, st demoState, resumed, kept bool, nAgents, nContacts int) {
	if resumed {
		fmt.Fprintf(w, "\nalo demo is running again on %s: the simulated agents carry on with their campaign.\n", dir)
	} else {
		fmt.Fprintf(w, "\nalo demo is running: %d simulated agents are calling %d contacts.\n", nAgents, nContacts)
	}
	fmt.Fprintf(w, "  console: %s/ (sign in as one of these)\n", url)
	for _, l := range st.Logins {
		line := fmt.Sprintf("  %-11s %-11s %s", l.Role, l.Name, l.Password)
		if l.Note != "" {
			line += "   " + l.Note
		}
		fmt.Fprintln(w, line)
	}
	if kept {
		fmt.Fprintf(w, "  passwords: kept in %s for the next run with this --data-dir\n", filepath.Join(dir, demoLoginsFile))
	} else {
		fmt.Fprintln(w, "  passwords: new for this run (the data dir is temporary; --data-dir keeps them)")
	}
	fmt.Fprintf(w, "  API:    %s/api/v1 (try: curl -H 'Authorization: Bearer %s' %s/api/v1/campaigns/%d/stats)\n", url, st.Token, url, st.CampaignID)
	fmt.Fprintf(w, "  login:  admin, token %s\n", st.Token)
	fmt.Fprintf(w, "  data:   %s\n  stop:   Ctrl-C\n\n", dir)
}
