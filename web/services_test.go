package web

import (
	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
)

// The real services must satisfy the interfaces the handlers are tested
// against; this fails to compile when one drifts.
var (
	_ CampaignService = (*campaigns.Store)(nil)
	_ AgentService    = (*agent.Registry)(nil)
	_ DNCService      = (*compliance.DNCList)(nil)
	// The registry keeps teams and pause reasons; the store dispositions
	// and callbacks.
	_ TeamService        = (*agent.Registry)(nil)
	_ PauseReasonService = (*agent.Registry)(nil)
	_ DispositionService = (*campaigns.Store)(nil)
)
