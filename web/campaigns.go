package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/pacing"
)

// Bounds on campaign timing. A ring shorter than 15 s hangs up on people
// still reaching for the phone (and regulators set minimums); longer than
// 2 min only reaches voicemail.
const (
	minRingTimeout = 15 * time.Second
	maxRingTimeout = 120 * time.Second
	maxRetryDelay  = 30 * 24 * time.Hour
)

// createCampaignRequest is the body of POST /api/v1/campaigns. Omitted
// settings take the campaigns package's defaults (09:00–20:00 UTC, 3
// attempts 30 min apart, 30 s ring, progressive).
type createCampaignRequest struct {
	Name          string `json:"name" validate:"required,max=200,nocontrol"`
	ClientID      int64  `json:"client_id" validate:"required,gt=0"`
	DailyStart    string `json:"daily_start" validate:"omitempty,hhmm"`
	DailyEnd      string `json:"daily_end" validate:"omitempty,hhmm"`
	TimeZone      string `json:"time_zone" validate:"omitempty,tzname"`
	DefaultRegion string `json:"default_region" validate:"omitempty,iso3166_1_alpha2"`
	MaxAttempts   *int   `json:"max_attempts" validate:"omitempty,min=1,max=20"`
	RetryDelay    string `json:"retry_delay" validate:"omitempty,duration"`
	RingTimeout   string `json:"ring_timeout" validate:"omitempty,duration"`
	CallerID      string `json:"caller_id" validate:"omitempty,phone_e164"`
	// Pacing is a policy pacing.ByName accepts: predictive, progressive,
	// preview or ratio:<level> (the level's range is checked in campaign()).
	Pacing string `json:"pacing" validate:"omitempty,max=32,oneof=predictive progressive preview|startswith=ratio:"`
	// Language of the recorded messages (safe harbour, machine message)
	// for contacts without one, e.g. "en" or "ru".
	Language string      `json:"language" validate:"omitempty,min=2,max=8,alpha"`
	AMD      *amdRequest `json:"amd"`

	// Type and its settings (issue 7); durations as Go durations ("2h").
	Type         string                       `json:"type" validate:"omitempty,oneof=welcome_call appointment_reminder notice outbound_list"`
	Agentless    bool                         `json:"agentless"`
	StartsAt     *time.Time                   `json:"starts_at"`
	EndsAt       *time.Time                   `json:"ends_at"`
	Schedule     *scheduleRequest             `json:"schedule"`
	Retry        map[string]retryRuleRequest  `json:"retry" validate:"omitempty,dive"`
	MaxPerNumber int                          `json:"max_per_number" validate:"omitempty,min=0,max=20"`
	Priority     int                          `json:"priority" validate:"omitempty,min=-100,max=100"`
	WrapUp       string                       `json:"wrap_up" validate:"omitempty,duration"`
	Lines        int                          `json:"lines" validate:"omitempty,min=1,max=1000"`
	Recording    *campaigns.RecordingSettings `json:"recording"`
	Preview      *campaigns.PreviewSettings   `json:"preview"`
	Prompts      *campaigns.Prompts           `json:"prompts"`
	// Script is what agents read on a connected call (campaigns.CheckScript
	// says what is accepted; every fault is named).
	Script string `json:"script"`
	// Rules pins the campaign's rule-set version, purpose and method (the
	// compliance package keeps the pin); TrunkGroup picks its trunks.
	Rules      *pinRequest `json:"rules"`
	TrunkGroup string      `json:"trunk_group" validate:"omitempty,max=64"`
}

// scheduleRequest is a campaign type's timing, as durations.
type scheduleRequest struct {
	FirstDelay string `json:"first_delay" validate:"omitempty,duration"`
	Deadline   string `json:"deadline" validate:"omitempty,duration"`
	LeadTime   string `json:"lead_time" validate:"omitempty,duration"`
	CutOff     string `json:"cut_off" validate:"omitempty,duration"`
}

// retryRuleRequest is one outcome's retry rule.
type retryRuleRequest struct {
	Delay string `json:"delay" validate:"required,duration"`
	Max   int    `json:"max" validate:"omitempty,min=0,max=20"`
}

// amdRequest sets answering-machine detection; thresholds in milliseconds,
// omitted ones take dialer/audio's defaults (the ranges are its Validate's).
type amdRequest struct {
	Enabled                bool   `json:"enabled"`
	MachineAction          string `json:"machine_action" validate:"omitempty,oneof=hangup message connect"`
	InitialSilenceMs       int    `json:"initial_silence_ms" validate:"omitempty,min=100,max=10000"`
	GreetingMs             int    `json:"greeting_ms" validate:"omitempty,min=100,max=10000"`
	AfterGreetingSilenceMs int    `json:"after_greeting_silence_ms" validate:"omitempty,min=100,max=5000"`
	TotalAnalysisMs        int    `json:"total_analysis_ms" validate:"omitempty,min=500,max=30000"`
	MinWordMs              int    `json:"min_word_ms" validate:"omitempty,min=20,max=1000"`
	BetweenWordsSilenceMs  int    `json:"between_words_silence_ms" validate:"omitempty,min=20,max=1000"`
	MaxWords               int    `json:"max_words" validate:"omitempty,min=1,max=100"`
	MaxWordMs              int    `json:"max_word_ms" validate:"omitempty,min=100,max=30000"`
}

// campaign turns a request that passed its tags into a Campaign, checking
// what tags cannot express: ranges of durations and the order of the
// daily window.
func (req createCampaignRequest) campaign() (campaigns.Campaign, []FieldError) {
	c := campaigns.Campaign{
		Name: req.Name, ClientID: req.ClientID, TimeZone: req.TimeZone,
		DefaultRegion: req.DefaultRegion, CallerID: req.CallerID, Pacing: req.Pacing,
		Language: strings.ToLower(req.Language),
	}
	if a := req.AMD; a != nil {
		c.AMD = campaigns.AMDSettings(*a)
	}
	var bad []FieldError
	if req.MaxAttempts != nil {
		c.MaxAttempts = *req.MaxAttempts
	}
	c.DailyStart, c.DailyEnd = campaigns.DefaultDailyStart, campaigns.DefaultDailyEnd
	if req.DailyStart != "" {
		c.DailyStart, _ = parseHHMM(req.DailyStart)
		if c.DailyStart >= 24*60 {
			bad = append(bad, FieldError{Field: "daily_start", Reason: "must be ≤ 23:59"})
		}
	}
	if req.DailyEnd != "" {
		c.DailyEnd, _ = parseHHMM(req.DailyEnd)
	}
	if c.DailyEnd <= c.DailyStart && len(bad) == 0 {
		bad = append(bad, FieldError{Field: "daily_end", Reason: fmt.Sprintf("must be after daily_start (%s)", formatHHMM(c.DailyStart))})
	}
	if req.RetryDelay != "" {
		c.RetryDelay, _ = time.ParseDuration(req.RetryDelay)
		if c.RetryDelay < 0 || c.RetryDelay > maxRetryDelay {
			bad = append(bad, FieldError{Field: "retry_delay", Reason: "must be from 0s to 720h"})
		}
	}
	if req.Pacing != "" {
		// The dialer builds the policy from this name; refuse here what it
		// would refuse at start.
		if _, err := pacing.ByName(req.Pacing); err != nil {
			bad = append(bad, FieldError{Field: "pacing", Reason: "must be predictive, progressive, preview or ratio:<1.0–5.0>"})
		}
	}
	if req.RingTimeout != "" {
		c.RingTimeout, _ = time.ParseDuration(req.RingTimeout)
		if c.RingTimeout < minRingTimeout || c.RingTimeout > maxRingTimeout {
			bad = append(bad, FieldError{Field: "ring_timeout", Reason: "must be from 15s to 120s"})
		}
	}
	c.Type, c.Agentless, c.StartsAt, c.EndsAt = campaigns.Type(req.Type), req.Agentless, req.StartsAt, req.EndsAt
	c.MaxPerNumber, c.Priority, c.Lines, c.Script = req.MaxPerNumber, req.Priority, req.Lines, req.Script
	if c.Priority == 0 && c.Type == campaigns.TypeAppointmentReminder {
		c.Priority = 10 // reminders are time-bound: served before plain lists
	}
	if req.Prompts != nil {
		c.Prompts = *req.Prompts
	}
	if req.Recording != nil {
		c.Recording = *req.Recording
	}
	if req.Preview != nil {
		c.Preview = *req.Preview
	}
	if req.WrapUp != "" {
		c.WrapUp, _ = time.ParseDuration(req.WrapUp)
		if c.WrapUp < 0 || c.WrapUp > 10*time.Minute {
			bad = append(bad, FieldError{Field: "wrap_up", Reason: "must be from 0s to 10m"})
		}
	}
	if sc := req.Schedule; sc != nil {
		for _, f := range []struct {
			name, raw string
			dst       *time.Duration
		}{{"schedule.first_delay", sc.FirstDelay, &c.Schedule.FirstDelay}, {"schedule.deadline", sc.Deadline, &c.Schedule.Deadline},
			{"schedule.lead_time", sc.LeadTime, &c.Schedule.LeadTime}, {"schedule.cut_off", sc.CutOff, &c.Schedule.CutOff}} {
			if f.raw == "" {
				continue
			}
			*f.dst, _ = time.ParseDuration(f.raw)
			if *f.dst < 0 || *f.dst > 90*24*time.Hour {
				bad = append(bad, FieldError{Field: f.name, Reason: "must be from 0s to 2160h"})
			}
		}
	}
	if len(req.Retry) > 0 {
		c.Retry = campaigns.RetryRules{}
		for o, rule := range req.Retry {
			d, _ := time.ParseDuration(rule.Delay)
			// Below 10 s a retry hits the same busy line (and carriers
			// flag rapid repeat calls).
			if d < 10*time.Second || d > maxRetryDelay {
				bad = append(bad, FieldError{Field: "retry." + o + ".delay", Reason: "must be from 10s to 720h"})
			}
			c.Retry[campaigns.Outcome(o)] = campaigns.RetryRule{Delay: d, Max: rule.Max}
		}
	}
	if req.TrunkGroup != "" && trunk.ValidateGroup(strings.ToLower(req.TrunkGroup)) != nil {
		bad = append(bad, FieldError{Field: "trunk_group", Reason: "lower-case letters, digits, - and _, up to 64"})
	}
	if req.Rules != nil && req.Rules.RuleSetID <= 0 {
		bad = append(bad, FieldError{Field: "rules.rule_set_id", Reason: "required"})
	}
	return c, bad
}

// campaignView is a campaign as the API shows it: times of day as HH:MM
// and durations as strings, the same forms the create request takes.
type campaignView struct {
	ID            int64                       `json:"id"`
	ClientID      int64                       `json:"client_id"`
	Name          string                      `json:"name"`
	Status        campaigns.Status            `json:"status"`
	DailyStart    string                      `json:"daily_start"`
	DailyEnd      string                      `json:"daily_end"`
	TimeZone      string                      `json:"time_zone"`
	DefaultRegion string                      `json:"default_region,omitempty"`
	MaxAttempts   int                         `json:"max_attempts"`
	RetryDelay    string                      `json:"retry_delay"`
	RingTimeout   string                      `json:"ring_timeout"`
	CallerID      string                      `json:"caller_id,omitempty"`
	Pacing        string                      `json:"pacing"`
	Language      string                      `json:"language,omitempty"`
	AMD           campaigns.AMDSettings       `json:"amd"`
	Type          campaigns.Type              `json:"type"`
	Agentless     bool                        `json:"agentless,omitempty"`
	StartsAt      *time.Time                  `json:"starts_at,omitempty"`
	EndsAt        *time.Time                  `json:"ends_at,omitempty"`
	Schedule      map[string]string           `json:"schedule,omitempty"`
	Retry         map[string]retryView        `json:"retry,omitempty"`
	MaxPerNumber  int                         `json:"max_per_number,omitempty"`
	Priority      int                         `json:"priority,omitempty"`
	WrapUp        string                      `json:"wrap_up,omitempty"`
	Lines         int                         `json:"lines,omitempty"`
	Recording     campaigns.RecordingSettings `json:"recording"`
	Preview       campaigns.PreviewSettings   `json:"preview,omitzero"`
	Prompts       campaigns.Prompts           `json:"prompts"`
	Script        string                      `json:"script,omitempty"`
	StopReason    string                      `json:"stop_reason,omitempty"`
	EndedAt       *time.Time                  `json:"ended_at,omitempty"`
	CreatedAt     time.Time                   `json:"created_at"`
	// Rules and TrunkGroup are shown when the create request set them.
	Rules      *compliance.Binding `json:"rules,omitempty"`
	TrunkGroup string              `json:"trunk_group,omitempty"`
}

// retryView is a retry rule with its delay as a duration string.
type retryView struct {
	Delay string `json:"delay"`
	Max   int    `json:"max,omitempty"`
}

func viewCampaign(c campaigns.Campaign) campaignView {
	v := campaignView{
		ID: c.ID, ClientID: c.ClientID, Name: c.Name, Status: c.Status,
		DailyStart: formatHHMM(c.DailyStart), DailyEnd: formatHHMM(c.DailyEnd),
		TimeZone: c.TimeZone, DefaultRegion: c.DefaultRegion, MaxAttempts: c.MaxAttempts,
		RetryDelay: c.RetryDelay.String(), RingTimeout: c.RingTimeout.String(),
		CallerID: c.CallerID, Pacing: c.Pacing, Language: c.Language, AMD: c.AMD, CreatedAt: c.CreatedAt,
		Type: c.Type, Agentless: c.Agentless, StartsAt: c.StartsAt, EndsAt: c.EndsAt, MaxPerNumber: c.MaxPerNumber,
		Priority: c.Priority, Lines: c.Lines, Recording: c.Recording, Preview: c.Preview, Prompts: c.Prompts, Script: c.Script, StopReason: c.StopReason, EndedAt: c.EndedAt,
	}
	if c.WrapUp > 0 {
		v.WrapUp = c.WrapUp.String()
	}
	sch := map[string]time.Duration{"first_delay": c.Schedule.FirstDelay, "deadline": c.Schedule.Deadline,
		"lead_time": c.Schedule.LeadTime, "cut_off": c.Schedule.CutOff}
	for k, d := range sch {
		if d > 0 {
			if v.Schedule == nil {
				v.Schedule = map[string]string{}
			}
			v.Schedule[k] = d.String()
		}
	}
	for o, r := range c.Retry {
		if v.Retry == nil {
			v.Retry = map[string]retryView{}
		}
		v.Retry[string(o)] = retryView{Delay: r.Delay.String(), Max: r.Max}
	}
	return v
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req createCampaignRequest) (campaignView, error) {
		return s.newCampaign(ctx, u, req)
	})
}

// newCampaign makes the campaign req asks for, for u, and answers its view.
func (s *Server) newCampaign(ctx context.Context, u User, req createCampaignRequest) (campaignView, error) {
	c, bad := req.campaign()
	if !u.SeesClient(req.ClientID) {
		// Another client's is answered like one that does not exist.
		bad = append(bad, FieldError{Field: "client_id", Reason: fmt.Sprintf("no client with id %d", req.ClientID)})
	}
	if bad != nil {
		return campaignView{}, errFields(bad...)
	}
	if (req.Rules != nil && s.cfg.Compliance == nil) || (req.TrunkGroup != "" && s.cfg.Trunks == nil) {
		return campaignView{}, errStatus(http.StatusServiceUnavailable, "rules or trunk_group given, but compliance or trunks are not configured on this node")
	}
	c, err := s.cfg.Campaigns.CreateCampaign(ctx, c)
	if errors.Is(err, campaigns.ErrNotFound) {
		// The only thing a create can fail to find is the client it names.
		return campaignView{}, errFields(FieldError{Field: "client_id", Reason: fmt.Sprintf("no client with id %d", req.ClientID)})
	}
	if err != nil {
		return campaignView{}, err
	}
	v := viewCampaign(c)
	// One request makes a complete campaign: the compliance pin and the
	// trunk group are kept by their own packages (they prove what applied),
	// set here right after the campaign row. The campaign is a draft, so a
	// failure here leaves nothing dialing; the error says which part failed.
	if req.Rules != nil {
		b, err := s.cfg.Compliance.Pin(ctx, compliance.Binding{CampaignID: c.ID, RuleSetID: req.Rules.RuleSetID,
			Version: req.Rules.Version, Purpose: req.Rules.Purpose, Method: req.Rules.Method})
		if err != nil {
			return campaignView{}, fmt.Errorf("campaign %d created, rules not pinned: %w", c.ID, complianceError(err))
		}
		v.Rules = &b
	}
	if req.TrunkGroup != "" {
		group := strings.ToLower(req.TrunkGroup)
		if err := s.cfg.Trunks.SetCampaignGroup(ctx, c.ID, group); err != nil {
			return campaignView{}, fmt.Errorf("campaign %d created, trunk group not set: %w", c.ID, err)
		}
		v.TrunkGroup = group
	}
	return v, nil
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, u User) error {
	cs, err := s.cfg.Campaigns.ListCampaigns(r.Context())
	if err != nil {
		return err
	}
	if cs, err = s.visibleCampaigns(r.Context(), u, cs); err != nil {
		return err
	}
	out := make([]campaignView, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewCampaign(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request, _ User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.cfg.Campaigns.GetCampaign(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewCampaign(c))
	return nil
}

// startCampaign sets the campaign running (or scheduled, before its start
// date) and wakes its pacer, so the first calls go out now rather than at
// the next tick.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	return s.lifeStep(w, r, u, "started", func(id int64) (campaigns.Campaign, error) { return s.cfg.Campaigns.Start(r.Context(), id) })
}

// pauseCampaign stops new calls at once; calls already placed finish.
func (s *Server) pauseCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	return s.lifeStep(w, r, u, "paused", func(id int64) (campaigns.Campaign, error) { return s.cfg.Campaigns.Pause(r.Context(), id) })
}

// stopRequest is the optional body of POST /campaigns/{id}/stop.
type stopRequest struct {
	Reason string `json:"reason" validate:"max=500,nocontrol"`
}

// stopCampaign ends a campaign for good, closing every contact still
// waiting (close_reason stopped) and recording why.
func (s *Server) stopCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	var req stopRequest
	if r.ContentLength != 0 {
		var err error
		if req, err = jsonBody[stopRequest](s, w, r); err != nil {
			return err
		}
	}
	if req.Reason == "" {
		req.Reason = "stopped by " + u.Name
	}
	return s.lifeStep(w, r, u, "stopped", func(id int64) (campaigns.Campaign, error) {
		return s.cfg.Campaigns.Stop(r.Context(), id, req.Reason)
	})
}

func (s *Server) lifeStep(w http.ResponseWriter, r *http.Request, u User, what string, step func(int64) (campaigns.Campaign, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := step(id)
	if err != nil {
		return err
	}
	s.log.Info("campaign "+what, "campaign", id, "status", c.Status, "user", u.Name)
	if c.Status == campaigns.StatusRunning && s.cfg.Waker != nil {
		s.cfg.Waker.Wake(id)
	}
	writeJSON(w, http.StatusOK, viewCampaign(c))
	return nil
}

func (s *Server) campaignStats(w http.ResponseWriter, r *http.Request, _ User) error {
	return serveByID(w, r, s.cfg.Campaigns.Stats, nil)
}

func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request, _ User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.URL.Query().Has("cursor") {
		return s.listAttemptsByCursor(w, r, id)
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	// An unknown campaign is a 404, not an empty list.
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	as, err := s.cfg.Campaigns.ListAttempts(r.Context(), campaigns.AttemptFilter{CampaignID: id, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(as))
	return nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.URL.Query().Has("cursor") {
		return s.listContactsByCursor(w, r, id)
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	cs, err := s.cfg.Campaigns.ListContacts(r.Context(), id, limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

// listContactAttempts returns one contact's attempts, oldest first: what
// was tried, when, and how each ended.
func (s *Server) listContactAttempts(w http.ResponseWriter, r *http.Request, _ User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	as, err := s.cfg.Campaigns.ListAttempts(r.Context(), campaigns.AttemptFilter{CampaignID: id, ContactID: cid, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(as))
	return nil
}

// scriptRequest is the body of PUT /campaigns/{id}/script.
type scriptRequest struct {
	Script *string `json:"script" validate:"required"`
}

// setScript replaces a campaign's script (admins and marketers); the
// agents' next screen pop shows it.
func (s *Server) setScript(w http.ResponseWriter, r *http.Request, u User) error {
	return serveBodyByID(s, w, r, func(ctx context.Context, id int64, req scriptRequest) (campaignView, error) {
		c, err := s.cfg.Campaigns.SetScript(ctx, id, *req.Script)
		if err != nil {
			return campaignView{}, err
		}
		s.log.Info("campaign script set", "campaign", id, "characters", len([]rune(c.Script)), "user", u.Name)
		return viewCampaign(c), nil
	})
}
