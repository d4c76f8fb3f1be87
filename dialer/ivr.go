package dialer

import (
	"context"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/prompt"
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
		a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeHuman, SIPCode: 200, Reason: reason, CallID: a.leg.CallID()})
	}
	defer finish("recorded message delivered; no key")
	msg, keys, err := a.agentlessMessage(true)
	if err != nil {
		a.log.Error("recorded message missing; hanging up", "err", err)
		finish("recorded message missing: " + err.Error())
		return
	}
	// Keys count from the answer (an early press waits in the channel);
	// the message starts once the person has finished saying hello, so
	// its first words are not spoken over.
	a.w.wantKeys.Store(true)
	if !a.awaitGreeting(ctx) {
		finish("hung up before the recorded message")
		return
	}
	at := a.p.e.cfg.Clock()
	a.media.MessageAt = &at
	a.log.Info("recorded message", "lang", msg.Lang, "message_ms", msg.Millis())
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

// agentlessMessage is the campaign's message for this contact as one
// prompt, and the keys it offers: a reminder composed from the
// appointment's date and time in the contact's zone (and its place when a
// prompt says it), or the notice's own prompt (Prompts.Message, else the
// generic notice). withKeys adds the offer of keys (a machine is left the
// message without it).
func (a *answered) agentlessMessage(withKeys bool) (*audio.Prompt, []rune, error) {
	c, ct := a.cl.Campaign, a.cl.Contact
	lang := spoken.Lang(a.language())
	pr := a.p.e.prompts()
	var names []string
	keys := []rune{keyPerson}
	if c.Type == campaigns.TypeAppointmentReminder && ct.AppointmentAt != nil {
		zone := ct.TimeZone
		if zone == "" {
			zone = c.TimeZone
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			a.log.Warn("contact's time zone unknown; saying the time in UTC", "zone", zone, "err", err)
			loc = time.UTC
		}
		place := spoken.PlacePrompt(ct.AppointmentPlace)
		if place != "" {
			if _, err := pr.For(place, lang); err != nil {
				a.log.Debug("no prompt for the appointment's place; not said", "place", place)
				place = ""
			}
		}
		names = spoken.Reminder(lang, *ct.AppointmentAt, loc, place)
		keys = append(keys, keyConfirm)
	} else {
		msg := c.Prompts.Message
		if msg == "" {
			msg = "notice"
		}
		names = []string{msg, "notice_keys"}
	}
	if !withKeys {
		names, keys = names[:len(names)-1], nil
	}
	var samples []int16
	for _, n := range names {
		pm, err := pr.For(n, lang)
		if err != nil {
			return nil, nil, err
		}
		samples = append(samples, pm.Samples...)
	}
	// One prompt for the whole message: the parts join without the gap a
	// prompt-by-prompt playback leaves, and a key stops it at once.
	return audio.NewPrompt("message", lang, samples), keys, nil
}

// machineMessage is what an answering machine is left after its beep: a
// recorded call's own message (without the keys a machine cannot press),
// else the generic machine message.
func (a *answered) machineMessage() (*audio.Prompt, error) {
	if a.cl.Campaign.Agentless {
		pm, _, err := a.agentlessMessage(false)
		return pm, err
	}
	return a.prompt(prompt.Machine)
}

// awaitGreeting waits, at most greetingWait, for the end of the answering
// person's greeting unless it is already known; false when the call ended.
func (a *answered) awaitGreeting(ctx context.Context) bool {
	if a.greetAt != nil {
		return true
	}
	t := time.NewTimer(greetingWait)
	defer t.Stop()
	select {
	case g := <-a.w.greeting:
		a.greetAt, a.media.GreetingEndAt = &g, &g
	case <-t.C:
	case <-a.leg.Done():
		return false
	case <-ctx.Done():
		return false
	}
	return true
}

// playForKey plays the message and waits keyGrace after it for one of
// keys; it returns the key (0 if none) or gone when the call ended.
func (a *answered) playForKey(ctx context.Context, msg *audio.Prompt, keys []rune) (key rune, gone bool) {
	cust := a.leg.Media()
	wanted := func(k rune) bool {
		for _, w := range keys {
			if k == w {
				return true
			}
		}
		return false
	}
	done, err := cust.Play(msg)
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
	// The caller waits for a person from here, not from the answer long
	// ago: the rule set's threshold (from the answer or the greeting's
	// end) runs from now.
	now := a.p.e.cfg.Clock()
	a.at, a.greetAt = now, &now
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

// messageReady reports whether a recorded campaign has something to say: a
// notice naming a prompt (Prompts.Message) that no language has is not
// dialed (no one is called to hear silence) until the prompt is uploaded;
// the problem is logged once.
func (p *pacer) messageReady(c *campaigns.Campaign) bool {
	name := c.Prompts.Message
	if name == "" || c.Type == campaigns.TypeAppointmentReminder {
		return true
	}
	_, err := p.e.prompts().For(name, c.Language)
	if err == nil {
		p.noMessage.Store(nil)
		return true
	}
	if last := p.noMessage.Load(); last == nil || *last != name {
		p.noMessage.Store(&name)
		p.log.Error("recorded campaign's message missing; not dialing until it is uploaded (POST /api/v1/prompts)",
			"prompt", name, "err", err)
	}
	return false
}
