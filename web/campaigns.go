package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
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
	return c, bad
}

// campaignView is a campaign as the API shows it: times of day as HH:MM
// and durations as strings, the same forms the create request takes.
type campaignView struct {
	ID            int64                 `json:"id"`
	ClientID      int64                 `json:"client_id"`
	Name          string                `json:"name"`
	Status        campaigns.Status      `json:"status"`
	DailyStart    string                `json:"daily_start"`
	DailyEnd      string                `json:"daily_end"`
	TimeZone      string                `json:"time_zone"`
	DefaultRegion string                `json:"default_region,omitempty"`
	MaxAttempts   int                   `json:"max_attempts"`
	RetryDelay    string                `json:"retry_delay"`
	RingTimeout   string                `json:"ring_timeout"`
	CallerID      string                `json:"caller_id,omitempty"`
	Pacing        string                `json:"pacing"`
	Language      string                `json:"language,omitempty"`
	AMD           campaigns.AMDSettings `json:"amd"`
	CreatedAt     time.Time             `json:"created_at"`
}

func viewCampaign(c campaigns.Campaign) campaignView {
	return campaignView{
		ID: c.ID, ClientID: c.ClientID, Name: c.Name, Status: c.Status,
		DailyStart: formatHHMM(c.DailyStart), DailyEnd: formatHHMM(c.DailyEnd),
		TimeZone: c.TimeZone, DefaultRegion: c.DefaultRegion, MaxAttempts: c.MaxAttempts,
		RetryDelay: c.RetryDelay.String(), RingTimeout: c.RingTimeout.String(),
		CallerID: c.CallerID, Pacing: c.Pacing, Language: c.Language, AMD: c.AMD, CreatedAt: c.CreatedAt,
	}
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, _ User) error {
	var req createCampaignRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	c, bad := req.campaign()
	if bad != nil {
		return errFields(bad...)
	}
	c, err := s.cfg.Campaigns.CreateCampaign(r.Context(), c)
	if errors.Is(err, campaigns.ErrNotFound) {
		// The only thing a create can fail to find is the client it names.
		return errFields(FieldError{Field: "client_id", Reason: fmt.Sprintf("no client with id %d", req.ClientID)})
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewCampaign(c))
	return nil
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, _ User) error {
	cs, err := s.cfg.Campaigns.ListCampaigns(r.Context())
	if err != nil {
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

// startCampaign sets the campaign running and wakes its pacer, so the
// first calls go out now rather than at the next tick.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	return s.setStatus(w, r, u, campaigns.StatusRunning)
}

// pauseCampaign stops new calls; calls already placed finish normally.
func (s *Server) pauseCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	return s.setStatus(w, r, u, campaigns.StatusPaused)
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, u User, st campaigns.Status) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Campaigns.SetStatus(r.Context(), id, st); err != nil {
		return err
	}
	s.log.Info("campaign status set", "campaign", id, "status", st, "user", u.Name)
	if st == campaigns.StatusRunning && s.cfg.Waker != nil {
		s.cfg.Waker.Wake(id)
	}
	c, err := s.cfg.Campaigns.GetCampaign(r.Context(), id)
	if err != nil {
		return err
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
