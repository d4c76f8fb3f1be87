package dialer

import (
	"context"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/audio"
	spoken "github.com/alo-dialer/alo/dialer/speech"
)

// Disposer records what an agentless call concluded (key 1 confirms an
// appointment; a caller no one could take gets a callback);
// *campaigns.Store satisfies it.
type Disposer interface {
	Dispose(ctx context.Context, r campaigns.DisposeRequest) (campaigns.Disposed, error)
}

// Keys of a recorded call.
const (
	keyConfirm = '1' // reminder: confirm the appointment
	keyPerson  = '2' // reminder or notice: speak to someone
)

// agentlessRounds is how many times the message is played when no key
// comes: once more for a person who missed the start.
const agentlessRounds = 2

// agentlessCallback is when a caller who asked for a person but found
// none free is called back.
const agentlessCallback = time.Hour

// agentless plays a recorded reminder or notice to a live answer and acts
// on its keys: 1 confirms a reminder's appointment (disposition
// "confirmed"), 2 puts the caller through to an agent of the campaign's
// pool (or, none free within the abandonment threshold, promises a
// callback). The outcome is human: the message reached a person.
func (a *answered) agentless(ctx, bg context.Context) {
	finished := false
	finish := func(reason string) {
		if finished {
			return
		}
		finished = true
		a.hangup(bg)
		a.p.finish(bg, a.log, a.id, campaigns.Result{Outcome: campaigns.OutcomeHuman, SIPCode: 200, Reason: reason, CallID: a.leg.CallID()})
	}
	defer finish("recorded message delivered; no key")
	msg, keys, err := a.agentlessMessage()
	if err != nil {
		a.log.Error("recorded message missing; hanging up", "err", err)
		finish("recorded message missing: " + err.Error())
		return
	}
	a.w.wantKeys.Store(true)
	at := a.p.e.cfg.Clock()
	a.media.MessageAt = &at
	for range agentlessRounds {
		key, gone := a.playForKey(ctx, msg, keys)
		switch {
		case gone:
			finish("hung up during the recorded message")
			return
		case key == keyConfirm:
			a.media.Key = string(key)
			a.playAll(ctx, "confirmed")
			finish("recorded reminder: appointment confirmed by key 1")
			a.disposeAgentless(bg, "confirmed", nil)
			return
		case key == keyPerson:
			a.media.Key = string(key)
			if a.toPerson(ctx, bg, finish) {
				finished = true // the bridge recorded the outcome
			}
			return
		}
	}
}

// agentlessMessage is the campaign's message for this contact and the keys
// it offers: a reminder composed from the appointment's date and time in
// the contact's zone, or the notice's own prompt.
func (a *answered) agentlessMessage() ([]*audio.Prompt, []rune, error) {
	c, ct := a.cl.Campaign, a.cl.Contact
	lang := spoken.Lang(a.language())
	var names []string
	keys := []rune{keyPerson}
	if c.Type == campaigns.TypeAppointmentReminder && ct.AppointmentAt != nil {
		zone := ct.TimeZone
		if zone == "" {
			zone = c.TimeZone
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		names = spoken.Reminder(lang, ct.AppointmentAt.In(loc))
		keys = append(keys, keyConfirm)
	} else {
		msg := c.Prompts.Message
		if msg == "" {
			msg = "notice"
		}
		names = []string{msg, "notice_keys"}
	}
	pr := a.p.e.prompts()
	out := make([]*audio.Prompt, 0, len(names))
	for _, n := range names {
		pm, err := pr.For(n, lang)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, pm)
	}
	return out, keys, nil
}

// playForKey plays the prompts in turn and waits keyGrace after them for
// one of keys; it returns the key (0 if none) or gone when the call ended.
func (a *answered) playForKey(ctx context.Context, prompts []*audio.Prompt, keys []rune) (key rune, gone bool) {
	cust := a.leg.Media()
	wanted := func(k rune) bool {
		for _, w := range keys {
			if k == w {
				return true
			}
		}
		return false
	}
	for _, pm := range prompts {
		done, err := cust.Play(pm)
		if err != nil {
			return 0, true
		}
	playing:
		for {
			select {
			case k := <-a.w.keys:
				if wanted(k) {
					cust.StopPlayback()
					return k, false
				}
			case err := <-done:
				if err != nil {
					return 0, true
				}
				break playing
			case <-a.leg.Done():
				return 0, true
			case <-ctx.Done():
				return 0, true
			}
		}
	}
	t := time.NewTimer(keyGrace)
	defer t.Stop()
	for {
		select {
		case k := <-a.w.keys:
			if wanted(k) {
				return k, false
			}
		case <-t.C:
			return 0, false
		case <-a.leg.Done():
			return 0, true
		case <-ctx.Done():
			return 0, true
		}
	}
}

// playAll plays prompts by name to the end (or until the call ends).
func (a *answered) playAll(ctx context.Context, names ...string) {
	for _, n := range names {
		pm, err := a.prompt(n)
		if err != nil {
			a.log.Warn("prompt missing", "prompt", n, "err", err)
			continue
		}
		done, err := a.leg.Media().Play(pm)
		if err != nil {
			return
		}
		select {
		case <-done:
		case <-a.leg.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// toPerson puts a caller who pressed for a person through to a free agent
// of the campaign, found as for any live answer (within the abandonment
// threshold), and reports whether it bridged them; none free, the caller
// is promised a callback.
func (a *answered) toPerson(ctx, bg context.Context, finish func(string)) bool {
	a.playAll(ctx, "hold")
	agent, mine, ok := a.findAgent(ctx, nil)
	if ok {
		if mine {
			defer a.p.e.cfg.Agents.EndCall(agent)
		}
		a.log.Info("recorded call: caller put through to an agent", "agent", agent.AgentID)
		a.bridge(ctx, bg, agent)
		return true
	}
	a.playAll(ctx, "callback_later")
	finish("recorded message: asked for a person, none free; callback promised")
	at := a.p.e.cfg.Clock().Add(agentlessCallback)
	a.disposeAgentless(bg, "callback", &at)
	return false
}

// disposeAgentless records the call's disposition once its outcome is in.
func (a *answered) disposeAgentless(bg context.Context, code string, callbackAt *time.Time) {
	d := a.p.e.cfg.Disposer
	if d == nil {
		a.log.Warn("no disposer configured; key result not recorded", "code", code)
		return
	}
	if _, err := d.Dispose(bg, campaigns.DisposeRequest{AttemptID: a.id, Code: code, CallbackAt: callbackAt,
		Notes: "recorded call: key " + a.media.Key}); err != nil {
		a.log.Error("record key result", "code", code, "err", err)
	}
}
