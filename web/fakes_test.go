package web

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/input"
)

// fakeCampaigns is an in-memory CampaignService. err, when set, is returned
// by every method (to test error mapping).
type fakeCampaigns struct {
	mu         sync.Mutex
	err        error
	clients    []campaigns.Client
	campaigns  map[int64]campaigns.Campaign
	contacts   map[int64][]campaigns.Contact
	attempts   []campaigns.Attempt
	filters    []campaigns.AttemptFilter // ListAttempts calls
	pages      [][2]int                  // ListContacts calls: limit, offset
	columnMaps map[int64]campaigns.ColumnMap
}

func newFakeCampaigns() *fakeCampaigns {
	return &fakeCampaigns{campaigns: map[int64]campaigns.Campaign{}, contacts: map[int64][]campaigns.Contact{}}
}

var testTime = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func (f *fakeCampaigns) CreateClient(_ context.Context, name string) (campaigns.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return campaigns.Client{}, f.err
	}
	c := campaigns.Client{ID: int64(len(f.clients) + 1), Name: name, CreatedAt: testTime}
	f.clients = append(f.clients, c)
	return c, nil
}

func (f *fakeCampaigns) ListClients(context.Context) ([]campaigns.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.clients), nil
}

// CreateCampaign applies defaults the way the store does, and refuses an
// unknown client with ErrNotFound.
func (f *fakeCampaigns) CreateCampaign(_ context.Context, c campaigns.Campaign) (campaigns.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return campaigns.Campaign{}, f.err
	}
	if c.ClientID < 1 || c.ClientID > int64(len(f.clients)) {
		return campaigns.Campaign{}, fmt.Errorf("create campaign: client_id: client %d: %w", c.ClientID, campaigns.ErrNotFound)
	}
	c.ID = int64(len(f.campaigns) + 1)
	c.Status = campaigns.StatusDraft
	if c.TimeZone == "" {
		c.TimeZone = campaigns.DefaultTimeZone
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = campaigns.DefaultMaxAttempts
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = campaigns.DefaultRetryDelay
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = campaigns.DefaultRingTimeout
	}
	if c.Pacing == "" {
		c.Pacing = campaigns.DefaultPacing
	}
	c.CreatedAt = testTime
	f.campaigns[c.ID] = c
	return c, nil
}

func (f *fakeCampaigns) GetCampaign(_ context.Context, id int64) (campaigns.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return campaigns.Campaign{}, f.err
	}
	c, ok := f.campaigns[id]
	if !ok {
		return campaigns.Campaign{}, fmt.Errorf("campaign %d: %w", id, campaigns.ErrNotFound)
	}
	return c, nil
}

// SetScript checks the script as the store does.
func (f *fakeCampaigns) SetScript(_ context.Context, id int64, script string) (campaigns.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.campaigns[id]
	if !ok {
		return campaigns.Campaign{}, fmt.Errorf("campaign %d: %w", id, campaigns.ErrNotFound)
	}
	if err := campaigns.CheckScript(script); err != nil {
		return campaigns.Campaign{}, err
	}
	c.Script = script
	f.campaigns[id] = c
	return c, nil
}

func (f *fakeCampaigns) ListCampaigns(context.Context) ([]campaigns.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []campaigns.Campaign
	for id := int64(1); id <= int64(len(f.campaigns)); id++ {
		out = append(out, f.campaigns[id])
	}
	return out, nil
}

func (f *fakeCampaigns) SetStatus(_ context.Context, id int64, s campaigns.Status) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	c, ok := f.campaigns[id]
	if !ok {
		return fmt.Errorf("campaign %d: %w", id, campaigns.ErrNotFound)
	}
	c.Status = s
	f.campaigns[id] = c
	return nil
}

func (f *fakeCampaigns) AddContacts(_ context.Context, campaignID int64, in []campaigns.NewContact) ([]campaigns.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.campaigns[campaignID]; !ok {
		return nil, fmt.Errorf("campaign %d: %w", campaignID, campaigns.ErrNotFound)
	}
	var out []campaigns.Contact
	for _, nc := range in {
		c := campaigns.Contact{ID: int64(len(f.contacts[campaignID]) + 1), CampaignID: campaignID,
			Phone: nc.Phone, Name: nc.Name, TimeZone: nc.TimeZone, ExternalID: nc.ExternalID, State: campaigns.ContactScheduled, CreatedAt: testTime}
		f.contacts[campaignID] = append(f.contacts[campaignID], c)
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeCampaigns) ListContacts(_ context.Context, campaignID int64, limit, offset int) ([]campaigns.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.campaigns[campaignID]; !ok {
		return nil, fmt.Errorf("list contacts: campaign %d: %w", campaignID, campaigns.ErrNotFound)
	}
	f.pages = append(f.pages, [2]int{limit, offset})
	cs := f.contacts[campaignID]
	if offset > len(cs) {
		offset = len(cs)
	}
	cs = cs[offset:]
	if limit < len(cs) {
		cs = cs[:limit]
	}
	return slices.Clone(cs), nil
}

func (f *fakeCampaigns) Stats(_ context.Context, campaignID int64) (campaigns.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return campaigns.Stats{}, f.err
	}
	if _, ok := f.campaigns[campaignID]; !ok {
		return campaigns.Stats{}, fmt.Errorf("stats: campaign %d: %w", campaignID, campaigns.ErrNotFound)
	}
	st := campaigns.Stats{CampaignID: campaignID, Contacts: map[campaigns.ContactState]int64{}, ByOutcome: map[campaigns.Outcome]int64{}}
	for _, c := range f.contacts[campaignID] {
		st.Contacts[c.State]++
	}
	for _, a := range f.attempts {
		if a.CampaignID == campaignID {
			st.Attempts++
			st.ByOutcome[a.Outcome]++
		}
	}
	return st, nil
}

func (f *fakeCampaigns) ListAttempts(_ context.Context, flt campaigns.AttemptFilter) ([]campaigns.Attempt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.filters = append(f.filters, flt)
	var out []campaigns.Attempt
	for _, a := range f.attempts {
		if a.CampaignID == flt.CampaignID {
			out = append(out, a)
		}
	}
	return out, nil
}

// fakeAgents is an in-memory AgentService.
type fakeAgents struct {
	mu     sync.Mutex
	agents map[int64]agent.Agent
}

func newFakeAgents() *fakeAgents { return &fakeAgents{agents: map[int64]agent.Agent{}} }

func (f *fakeAgents) CreateAgent(_ context.Context, in agent.NewAgent) (agent.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := agent.Agent{ID: int64(len(f.agents) + 1), Name: in.Name, SIPURI: in.SIPURI,
		CampaignIDs: in.CampaignIDs, State: agent.Offline, CreatedAt: testTime}
	f.agents[a.ID] = a
	return a, nil
}

func (f *fakeAgents) ListAgents(context.Context) ([]agent.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []agent.Agent
	for id := int64(1); id <= int64(len(f.agents)); id++ {
		out = append(out, f.agents[id])
	}
	return out, nil
}

func (f *fakeAgents) GetAgent(_ context.Context, id int64) (agent.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok {
		return agent.Agent{}, fmt.Errorf("agent %d: %w", id, input.ErrNotFound)
	}
	return a, nil
}

func (f *fakeAgents) set(id int64, st agent.State, reason string) (agent.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok {
		return agent.Agent{}, fmt.Errorf("agent %d: %w", id, input.ErrNotFound)
	}
	a.State, a.PauseReason = st, reason
	f.agents[id] = a
	return a, nil
}

func (f *fakeAgents) SetReady(_ context.Context, id int64) (agent.Agent, error) {
	return f.set(id, agent.Ready, "")
}

func (f *fakeAgents) SetPaused(_ context.Context, id int64, reason string) (agent.Agent, error) {
	return f.set(id, agent.Paused, reason)
}

func (f *fakeAgents) SetOffline(_ context.Context, id int64) (agent.Agent, error) {
	return f.set(id, agent.Offline, "")
}

// PauseAfterCall pauses at once (the fake has no calls); off changes nothing.
func (f *fakeAgents) PauseAfterCall(_ context.Context, id int64, on bool, reason string) (agent.Agent, error) {
	if on {
		return f.set(id, agent.Paused, reason)
	}
	return f.GetAgent(context.Background(), id)
}

// fakeDNC is an in-memory DNCService with the real list's errors.
type fakeDNC struct {
	mu      sync.Mutex
	entries map[string]compliance.DNCEntry
}

func newFakeDNC() *fakeDNC { return &fakeDNC{entries: map[string]compliance.DNCEntry{}} }

func (f *fakeDNC) AddDNC(_ context.Context, number, note string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !compliance.IsE164(number) {
		return fmt.Errorf("dnc number %q: %w", number, compliance.ErrBadNumber)
	}
	if _, ok := f.entries[number]; !ok {
		f.entries[number] = compliance.DNCEntry{Number: number, Note: note, AddedAt: testTime}
	}
	return nil
}

func (f *fakeDNC) RemoveDNC(_ context.Context, number string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.entries[number]; !ok {
		return fmt.Errorf("dnc number %s: %w", number, compliance.ErrNotListed)
	}
	delete(f.entries, number)
	return nil
}

func (f *fakeDNC) ListDNC(context.Context) ([]compliance.DNCEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []compliance.DNCEntry
	for _, e := range f.entries {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b compliance.DNCEntry) int {
		if a.Number < b.Number {
			return -1
		}
		if a.Number > b.Number {
			return 1
		}
		return 0
	})
	return out, nil
}

// fakeWaker records the campaigns it was told to wake.
type fakeWaker struct {
	mu    sync.Mutex
	woken []int64
}

func (w *fakeWaker) Wake(id int64) {
	w.mu.Lock()
	w.woken = append(w.woken, id)
	w.mu.Unlock()
}

func (w *fakeWaker) got() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.woken)
}

// ImportContacts reads the CSV with the package's parser and adds the good
// rows, as the store's streaming importer does (tested in campaigns).
func (f *fakeCampaigns) ImportContacts(ctx context.Context, campaignID int64, r io.Reader, opt campaigns.ImportOptions) (campaigns.ImportReport, error) {
	c, err := f.GetCampaign(ctx, campaignID)
	if err != nil {
		return campaigns.ImportReport{}, err
	}
	region := opt.Region
	if region == "" {
		region = c.DefaultRegion
	}
	good, bad, err := campaigns.ParseContactsCSV(r, region)
	if err != nil {
		return campaigns.ImportReport{}, err
	}
	added, err := f.AddContacts(ctx, campaignID, good)
	if err != nil {
		return campaigns.ImportReport{}, err
	}
	rep := campaigns.ImportReport{Errors: bad}
	rep.Rows, rep.Loaded, rep.Rejected = len(good)+len(bad), len(added), len(bad)
	return rep, nil
}

func (f *fakeCampaigns) SaveColumnMap(ctx context.Context, campaignID int64, m campaigns.ColumnMap) error {
	if _, err := f.GetCampaign(ctx, campaignID); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.columnMaps == nil {
		f.columnMaps = map[int64]campaigns.ColumnMap{}
	}
	f.columnMaps[campaignID] = m
	return nil
}

func (f *fakeCampaigns) ColumnMapOf(ctx context.Context, campaignID int64) (campaigns.ColumnMap, error) {
	if _, err := f.GetCampaign(ctx, campaignID); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.columnMaps[campaignID]; ok {
		return m, nil
	}
	return campaigns.ColumnMap{}, nil
}

// UpsertContacts updates the contacts whose external_id is known and adds
// the rest, like the store.
func (f *fakeCampaigns) UpsertContacts(ctx context.Context, campaignID int64, in []campaigns.NewContact) (campaigns.UpsertResult, error) {
	var res campaigns.UpsertResult
	var fresh []campaigns.NewContact
	f.mu.Lock()
	for _, nc := range in {
		updated := false
		for i, c := range f.contacts[campaignID] {
			if nc.ExternalID != "" && c.ExternalID == nc.ExternalID {
				c.Phone, c.Name, c.TimeZone = nc.Phone, nc.Name, nc.TimeZone
				f.contacts[campaignID][i] = c
				res.Updated = append(res.Updated, c)
				updated = true
			}
		}
		if !updated {
			fresh = append(fresh, nc)
		}
	}
	f.mu.Unlock()
	added, err := f.AddContacts(ctx, campaignID, fresh)
	res.Added = added
	return res, err
}

// ExportCSV writes the fake's contacts as phone,name rows.
func (f *fakeCampaigns) ExportCSV(ctx context.Context, campaignID int64, what string, bom bool, w io.Writer) error {
	if _, err := f.GetCampaign(ctx, campaignID); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := io.WriteString(w, "phone,name\n"); err != nil {
		return err
	}
	for _, c := range f.contacts[campaignID] {
		if _, err := fmt.Fprintf(w, "%s,%s\n", c.Phone, c.Name); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeCampaigns) step(ctx context.Context, id int64, st campaigns.Status) (campaigns.Campaign, error) {
	if err := f.SetStatus(ctx, id, st); err != nil {
		return campaigns.Campaign{}, err
	}
	return f.GetCampaign(ctx, id)
}

func (f *fakeCampaigns) Start(ctx context.Context, id int64) (campaigns.Campaign, error) {
	return f.step(ctx, id, campaigns.StatusRunning)
}

func (f *fakeCampaigns) Pause(ctx context.Context, id int64) (campaigns.Campaign, error) {
	return f.step(ctx, id, campaigns.StatusPaused)
}

func (f *fakeCampaigns) Stop(ctx context.Context, id int64, _ string) (campaigns.Campaign, error) {
	return f.step(ctx, id, campaigns.StatusStopped)
}
