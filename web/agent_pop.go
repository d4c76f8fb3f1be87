package web

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/web/console"
)

// screenPop builds the agent's screen pop of a bridged call: the contact
// and campaign as the call loaded them, and from SQL the contact's earlier
// attempts and the campaign's disposition codes. A read that fails leaves
// its part empty: the pop goes out regardless, the agent has the customer
// on the line.
func (f *AgentFeed) screenPop(ctx context.Context, b dialer.CallBridged) *console.CallPop {
	pop := &console.CallPop{AttemptID: b.AttemptID, CampaignID: b.Campaign.ID, CampaignName: b.Campaign.Name,
		BridgedAt: b.At, Contact: contactCard(b.Campaign, b.Contact), History: []console.PastAttempt{},
		Dispositions: []console.DispositionChoice{}}
	if f.cfg.Script != nil {
		pop.Script = f.cfg.Script(b.Campaign)
	}
	ds, err := f.cfg.Store.Dispositions(ctx, b.Campaign.ID)
	if err != nil {
		f.log.Warn("screen pop: dispositions", "campaign", b.Campaign.ID, "attempt", b.AttemptID, "err", err)
	}
	pop.Dispositions = dispositionChoices(b.Campaign, ds)
	labels := map[string]string{}
	for _, d := range ds {
		labels[d.Code] = d.Label
	}
	hist, err := f.cfg.Store.ContactHistory(ctx, b.Contact.ID, historyLimit+1)
	if err != nil {
		f.log.Warn("screen pop: history", "contact", b.Contact.ID, "attempt", b.AttemptID, "err", err)
	}
	for _, a := range hist {
		if a.ID == b.AttemptID || len(pop.History) == historyLimit {
			continue
		}
		pa := console.PastAttempt{At: a.CreatedAt, Outcome: string(a.Outcome), Disposition: a.Disposition,
			Agent: f.agentName(ctx, a.AgentID), Notes: a.DispositionNotes}
		if l := labels[a.Disposition]; l != "" {
			pa.Disposition = l
		}
		pop.History = append(pop.History, pa)
	}
	return pop
}

// agentName is an agent's name for the history, remembered once read.
func (f *AgentFeed) agentName(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	f.mu.Lock()
	name, ok := f.names[id]
	f.mu.Unlock()
	if ok {
		return name
	}
	ag, err := f.cfg.Agents.GetAgent(ctx, id)
	if err != nil {
		return ""
	}
	f.mu.Lock()
	f.names[id] = ag.Name
	f.mu.Unlock()
	return ag.Name
}

// contactCard is who is on the line: the custom fields in key order, then
// what the campaign's type calls about (the appointment a reminder is for,
// when a welcome call's contact arrived), in the contact's zone.
func contactCard(c campaigns.Campaign, ct campaigns.Contact) console.ContactCard {
	card := console.ContactCard{ID: ct.ID, Name: ct.Name, Phone: ct.Phone, TimeZone: ct.TimeZone, Fields: []console.Field{}}
	keys := make([]string, 0, len(ct.Fields))
	for k := range ct.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		card.Fields = append(card.Fields, console.Field{Key: k, Value: ct.Fields[k]})
	}
	zone := time.UTC
	for _, name := range []string{ct.TimeZone, c.TimeZone} {
		if z, err := time.LoadLocation(name); name != "" && err == nil {
			zone = z
			break
		}
	}
	local := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04") }
	if ct.AppointmentAt != nil {
		card.Fields = append(card.Fields, console.Field{Key: "appointment_at", Value: local(*ct.AppointmentAt)})
	}
	if ct.AppointmentPlace != "" {
		card.Fields = append(card.Fields, console.Field{Key: "appointment_place", Value: ct.AppointmentPlace})
	}
	if c.Type == campaigns.TypeWelcomeCall && !ct.CreatedAt.IsZero() {
		card.Fields = append(card.Fields, console.Field{Key: "arrived_at", Value: local(ct.CreatedAt)})
	}
	if ct.ExternalID != "" {
		card.Fields = append(card.Fields, console.Field{Key: "external_id", Value: ct.ExternalID})
	}
	return card
}

// appointmentCodes are the built-in codes about an appointment, offered
// only by reminders.
var appointmentCodes = map[string]bool{"confirmed": true, "cancelled": true, "reschedule": true}

// dispositionChoices orders a campaign's codes for the hot keys: its own
// codes first (what the marketer made the campaign for), then the
// built-in ones in campaigns' order (1 is "Done"), without the appointment
// codes outside reminders.
func dispositionChoices(c campaigns.Campaign, ds []campaigns.Disposition) []console.DispositionChoice {
	rank := map[string]int{}
	for i, d := range campaigns.BuiltInDispositions {
		rank[d.Code] = i + 1
	}
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b campaigns.Disposition) int { return rank[a.Code] - rank[b.Code] })
	out := []console.DispositionChoice{}
	for _, own := range []bool{true, false} {
		for _, d := range ds {
			if d.BuiltIn == own || (d.BuiltIn && appointmentCodes[d.Code] && c.Type != campaigns.TypeAppointmentReminder) {
				continue
			}
			label := d.Label
			if label == "" {
				label = d.Code
			}
			out = append(out, console.DispositionChoice{Code: d.Code, Label: label, Meaning: string(d.Meaning)})
		}
	}
	return out
}
