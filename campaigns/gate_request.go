package campaigns

import (
	"time"

	"github.com/alo-dialer/alo/compliance"
)

// GateRequest is the compliance gate's input for calling contact ct of
// campaign c at the given time. The dialer asks with it at originate time
// (the check that counts) and the feeder to pick a sensible due time, so both
// put the same question.
func GateRequest(c Campaign, ct Contact, at time.Time, guaranteedAgent bool) compliance.Request {
	return compliance.Request{
		CampaignID:   c.ID,
		Number:       ct.Phone,
		Zone:         ct.TimeZone,
		FallbackZone: c.TimeZone,
		Window:       compliance.Window{Start: c.DailyStart, End: c.DailyEnd},
		At:           at,
		ClientID:     c.ClientID,
		ContactID:    ct.ID,
		// A contact's state, when the CRM gives it, wins over the area
		// code for US state rules (a Florida resident with a New York
		// mobile number is still protected by Florida's law).
		State:           ct.Region,
		CallerID:        c.CallerID,
		RingSeconds:     int(c.RingTimeout / time.Second),
		GuaranteedAgent: guaranteedAgent,
	}
}

// ReservesAgent reports whether the campaign's pacing reserves an agent
// before every call (preview and progressive do), which guarantees a live
// agent for embargo rules.
func (c Campaign) ReservesAgent() bool {
	if c.Agentless {
		return false // a recorded message: no agent is held for the call
	}
	return c.Pacing == "" || c.Pacing == "progressive" || c.Pacing == "preview"
}
