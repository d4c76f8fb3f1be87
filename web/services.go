package web

import (
	"context"
	"io"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
)

// CampaignService is what the API needs of campaigns; *campaigns.Store
// satisfies it. Kept narrow so handlers are tested against a fake.
type CampaignService interface {
	CreateClient(ctx context.Context, name string) (campaigns.Client, error)
	ListClients(ctx context.Context) ([]campaigns.Client, error)
	CreateCampaign(ctx context.Context, c campaigns.Campaign) (campaigns.Campaign, error)
	GetCampaign(ctx context.Context, id int64) (campaigns.Campaign, error)
	ListCampaigns(ctx context.Context) ([]campaigns.Campaign, error)
	Start(ctx context.Context, id int64) (campaigns.Campaign, error)
	Pause(ctx context.Context, id int64) (campaigns.Campaign, error)
	Stop(ctx context.Context, id int64, reason string) (campaigns.Campaign, error)
	AddContacts(ctx context.Context, campaignID int64, in []campaigns.NewContact) ([]campaigns.Contact, error)
	UpsertContacts(ctx context.Context, campaignID int64, in []campaigns.NewContact) (campaigns.UpsertResult, error)
	ImportContacts(ctx context.Context, campaignID int64, r io.Reader, opt campaigns.ImportOptions) (campaigns.ImportReport, error)
	SaveColumnMap(ctx context.Context, campaignID int64, m campaigns.ColumnMap) error
	ColumnMapOf(ctx context.Context, campaignID int64) (campaigns.ColumnMap, error)
	ExportCSV(ctx context.Context, campaignID int64, what string, bom bool, w io.Writer) error
	ListContacts(ctx context.Context, campaignID int64, limit, offset int) ([]campaigns.Contact, error)
	Stats(ctx context.Context, campaignID int64) (campaigns.Stats, error)
	ListAttempts(ctx context.Context, f campaigns.AttemptFilter) ([]campaigns.Attempt, error)
	SetScript(ctx context.Context, campaignID int64, script string) (campaigns.Campaign, error)
}

// ImportJobService runs large contact uploads in the background;
// *campaigns.ImportJobs satisfies it.
type ImportJobService interface {
	Start(ctx context.Context, campaignID int64, r io.Reader, region, user string) (campaigns.ImportJob, error)
	Get(ctx context.Context, id int64) (campaigns.ImportJob, error)
}

// AgentService is what the API needs of the dialer's agent registry;
// *dialer.Agents satisfies it.
type AgentService interface {
	CreateAgent(ctx context.Context, a agent.NewAgent) (agent.Agent, error)
	ListAgents(ctx context.Context) ([]agent.Agent, error)
	GetAgent(ctx context.Context, id int64) (agent.Agent, error)
	SetReady(ctx context.Context, id int64) (agent.Agent, error)
	SetPaused(ctx context.Context, id int64, reason string) (agent.Agent, error)
	SetOffline(ctx context.Context, id int64) (agent.Agent, error)
	PauseAfterCall(ctx context.Context, id int64, on bool, reason string) (agent.Agent, error)
}

// TeamService manages teams of agents and the agents' membership;
// *agent.Registry satisfies it.
type TeamService interface {
	CreateTeam(ctx context.Context, name string) (agent.Team, error)
	RenameTeam(ctx context.Context, id int64, name string) (agent.Team, error)
	DeleteTeam(ctx context.Context, id int64) error
	ListTeams(ctx context.Context) ([]agent.Team, error)
	SetAgentTeams(ctx context.Context, id int64, teamIDs []int64) (agent.Agent, error)
}

// PauseReasonService keeps the list of reasons agents pause with;
// *agent.Registry satisfies it.
type PauseReasonService interface {
	SavePauseReason(ctx context.Context, p agent.PauseReason) (agent.PauseReason, bool, error)
	DeletePauseReason(ctx context.Context, id int64) error
	PauseReasons(ctx context.Context) ([]agent.PauseReason, error)
}

// DNCService is what the API needs of the do-not-call list;
// *compliance.DNCList satisfies it.
type DNCService interface {
	AddDNC(ctx context.Context, number, note string) error
	RemoveDNC(ctx context.Context, number string) error
	ListDNC(ctx context.Context) ([]compliance.DNCEntry, error)
}

// Waker is the pacer: woken when a campaign starts or one of its agents
// turns ready, so the first call goes out at once rather than at the next
// tick.
type Waker interface {
	Wake(campaignID int64)
}
