package campaigns

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

func newTestStore(t *testing.T, db *sqldb.DB) (*Store, *testClock) {
	t.Helper()
	clock := newTestClock()
	return NewStore(db, clock.Now), clock
}

func TestCreateCampaign(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, err := s.CreateClient(ctx, "Kapitalbank")
		if err != nil {
			t.Fatal(err)
		}
		later := clock.Now().Add(24 * time.Hour)
		muchLater := later.Add(30 * 24 * time.Hour)
		tests := []struct {
			name    string
			in      Campaign
			wantErr error
			field   string // named in the error
			check   func(t *testing.T, c Campaign)
		}{
			{name: "defaults", in: Campaign{ClientID: cl.ID, Name: "welcome"}, check: func(t *testing.T, c Campaign) {
				want := Campaign{ID: c.ID, ClientID: cl.ID, Name: "welcome", Status: StatusDraft, DailyStart: 540,
					DailyEnd: 1200, TimeZone: "UTC", MaxAttempts: 3, RetryDelay: 30 * time.Minute,
					RingTimeout: 30 * time.Second, Pacing: "progressive", Type: TypeOutboundList, CreatedAt: clock.Now()}
				if !reflect.DeepEqual(c, want) {
					t.Fatalf("got %+v\nwant %+v", c, want)
				}
			}},
			{name: "explicit fields kept", in: Campaign{ClientID: cl.ID, Name: "reminder", DailyStart: 480, DailyEnd: 1260,
				TimeZone: "Asia/Tashkent", DefaultRegion: "UZ", MaxAttempts: 5, RetryDelay: time.Hour,
				RingTimeout: 25 * time.Second, CallerID: "+998711234567", Pacing: "progressive"},
				check: func(t *testing.T, c Campaign) {
					if c.TimeZone != "Asia/Tashkent" || c.MaxAttempts != 5 || c.RetryDelay != time.Hour || c.DailyStart != 480 {
						t.Fatalf("fields not kept: %+v", c)
					}
				}},
			{name: "type settings kept", in: Campaign{ClientID: cl.ID, Name: "reminders", Type: TypeAppointmentReminder,
				Agentless: true, StartsAt: &later, EndsAt: &muchLater, Schedule: Schedule{LeadTime: 24 * time.Hour, CutOff: 2 * time.Hour},
				Retry:        RetryRules{OutcomeBusy: {Delay: 10 * time.Minute, Max: 2}, OutcomeNoAnswer: {Delay: time.Hour}},
				MaxPerNumber: 2, Priority: 5, WrapUp: 30 * time.Second, Prompts: Prompts{Message: "reminder"}},
				check: func(t *testing.T, c Campaign) {
					if c.Type != TypeAppointmentReminder || !c.Agentless || c.Retry[OutcomeBusy].Max != 2 || !c.StartsAt.Equal(later) {
						t.Fatalf("settings not kept: %+v", c)
					}
				}},
			{name: "notice is agentless", in: Campaign{ClientID: cl.ID, Name: "moved", Type: TypeNotice},
				check: func(t *testing.T, c Campaign) {
					if !c.Agentless {
						t.Fatalf("notice not agentless: %+v", c)
					}
				}},
			{name: "bad type", in: Campaign{ClientID: cl.ID, Name: "x", Type: "survey"}, wantErr: ErrInvalid, field: "type"},
			{name: "agentless list", in: Campaign{ClientID: cl.ID, Name: "x", Agentless: true}, wantErr: ErrInvalid, field: "agentless"},
			{name: "deadline before delay", in: Campaign{ClientID: cl.ID, Name: "x", Type: TypeWelcomeCall,
				Schedule: Schedule{FirstDelay: 3 * time.Hour, Deadline: time.Hour}}, wantErr: ErrInvalid, field: "schedule.deadline"},
			{name: "lead inside cut-off", in: Campaign{ClientID: cl.ID, Name: "x", Type: TypeAppointmentReminder,
				Schedule: Schedule{LeadTime: time.Hour, CutOff: 2 * time.Hour}}, wantErr: ErrInvalid, field: "schedule.lead_time"},
			{name: "ends before start", in: Campaign{ClientID: cl.ID, Name: "x", StartsAt: &muchLater, EndsAt: &later},
				wantErr: ErrInvalid, field: "ends_at"},
			{name: "retry of a final outcome", in: Campaign{ClientID: cl.ID, Name: "x", Retry: RetryRules{OutcomeHuman: {Delay: time.Hour}}},
				wantErr: ErrInvalid, field: "retry[human]"},
			{name: "empty name", in: Campaign{ClientID: cl.ID, Name: "  "}, wantErr: ErrInvalid, field: "name"},
			{name: "start after end", in: Campaign{ClientID: cl.ID, Name: "x", DailyStart: 600, DailyEnd: 500},
				wantErr: ErrInvalid, field: "daily_end_min"},
			{name: "end past midnight", in: Campaign{ClientID: cl.ID, Name: "x", DailyStart: 600, DailyEnd: 1441},
				wantErr: ErrInvalid, field: "daily_end_min"},
			{name: "negative start", in: Campaign{ClientID: cl.ID, Name: "x", DailyStart: -1, DailyEnd: 600},
				wantErr: ErrInvalid, field: "daily_start_min"},
			{name: "bad zone", in: Campaign{ClientID: cl.ID, Name: "x", TimeZone: "Mars/Olympus"},
				wantErr: ErrInvalid, field: "time_zone"},
			{name: "bad status", in: Campaign{ClientID: cl.ID, Name: "x", Status: "flying"},
				wantErr: ErrInvalid, field: "status"},
			{name: "negative retry", in: Campaign{ClientID: cl.ID, Name: "x", RetryDelay: -time.Second},
				wantErr: ErrInvalid, field: "retry_delay"},
			{name: "unknown client", in: Campaign{ClientID: 9999, Name: "x"}, wantErr: ErrNotFound, field: "client_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := s.CreateCampaign(ctx, tt.in)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.field) {
						t.Fatalf("err = %v, want %v naming %q", err, tt.wantErr, tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
				got, err := s.GetCampaign(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, c) {
					t.Fatalf("read back %+v\nwant %+v", got, c)
				}
			})
		}
	})
}

func TestClientsAndCampaignStatus(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		a, err := s.CreateClient(ctx, "Bank A")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateClient(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty client name: err = %v, want ErrInvalid", err)
		}
		b, _ := s.CreateClient(ctx, "Clinic B")
		clients, err := s.ListClients(ctx)
		if err != nil || len(clients) != 2 || clients[0] != a || clients[1] != b {
			t.Fatalf("ListClients = %+v, %v", clients, err)
		}
		if _, err := s.GetClient(ctx, 404); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetClient(404) err = %v", err)
		}
		c1, _ := s.CreateCampaign(ctx, Campaign{ClientID: a.ID, Name: "one"})
		c2, _ := s.CreateCampaign(ctx, Campaign{ClientID: b.ID, Name: "two"})
		if err := s.SetStatus(ctx, c2.ID, StatusRunning); err != nil {
			t.Fatal(err)
		}
		run, err := s.RunningCampaigns(ctx)
		if err != nil || len(run) != 1 || run[0].ID != c2.ID {
			t.Fatalf("RunningCampaigns = %+v, %v", run, err)
		}
		all, err := s.ListCampaigns(ctx)
		if err != nil || len(all) != 2 || all[0].ID != c1.ID {
			t.Fatalf("ListCampaigns = %+v, %v", all, err)
		}
		if err := s.SetStatus(ctx, 404, StatusPaused); !errors.Is(err, ErrNotFound) {
			t.Fatalf("SetStatus(404) err = %v", err)
		}
		if err := s.SetStatus(ctx, c1.ID, "exploded"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("SetStatus(bad) err = %v", err)
		}
		if _, err := s.GetCampaign(ctx, 404); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetCampaign(404) err = %v", err)
		}
	})
}

func TestAddContacts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "welcome"})
		later := clock.Now().Add(24 * time.Hour)
		got, err := s.AddContacts(ctx, c.ID, []NewContact{
			{Phone: "+998901234567", Name: "Aziz"},
			{Phone: "+77011234567", Name: "Aigerim", TimeZone: "Asia/Almaty", DueAt: &later},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].State != ContactScheduled || !got[0].NextDueAt.Equal(clock.Now()) ||
			!got[1].NextDueAt.Equal(later) {
			t.Fatalf("AddContacts = %+v", got)
		}
		back, err := s.GetContact(ctx, got[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.Phone != "+77011234567" || back.TimeZone != "Asia/Almaty" || !back.NextDueAt.Equal(later) ||
			back.Attempts != 0 || back.CampaignID != c.ID {
			t.Fatalf("GetContact = %+v", back)
		}

		bad := []struct {
			name     string
			campaign int64
			in       []NewContact
			wantErr  error
			field    string
		}{
			{"not e164", c.ID, []NewContact{{Phone: "+998901234568"}, {Phone: "998901234567"}}, ErrInvalid, "contacts[1].phone"},
			{"bad zone", c.ID, []NewContact{{Phone: "+998901234568", TimeZone: "Nowhere/City"}}, ErrInvalid, "contacts[0].time_zone"},
			{"unknown campaign", 404, []NewContact{{Phone: "+998901234568"}}, ErrNotFound, "campaign 404"},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.AddContacts(ctx, tt.campaign, tt.in)
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.field) {
					t.Fatalf("err = %v, want %v naming %q", err, tt.wantErr, tt.field)
				}
			})
		}
		list, err := s.ListContacts(ctx, c.ID, 10, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("ListContacts = %d, %v (a rejected batch must write nothing)", len(list), err)
		}
		list, _ = s.ListContacts(ctx, c.ID, 1, 1)
		if len(list) != 1 || list[0].ID != got[1].ID {
			t.Fatalf("ListContacts page 2 = %+v", list)
		}
		if _, err := s.ListContacts(ctx, 404, 10, 0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ListContacts(404) err = %v", err)
		}
		if _, err := s.GetContact(ctx, 404); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetContact(404) err = %v", err)
		}
		st, err := s.Stats(ctx, c.ID)
		if err != nil || st.Contacts[ContactScheduled] != 2 || st.Attempts != 0 {
			t.Fatalf("Stats = %+v, %v", st, err)
		}
		if _, err := s.Stats(ctx, 404); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stats(404) err = %v", err)
		}
	})
}

// raceDetectorOn reports whether the test binary was built with -race,
// which slows pure-Go SQLite tenfold; timing targets do not apply then.
func raceDetectorOn() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestAddContactsFast: the API and the importer add contacts in batches;
// 10,000 must commit well under a second on SQLite.
func TestAddContactsFast(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "bulk"})
		in := make([]NewContact, 10000)
		for i := range in {
			in[i] = NewContact{Phone: fmt.Sprintf("+99890%07d", i), Name: "n"}
		}
		start := time.Now()
		got, err := s.AddContacts(ctx, c.ID, in)
		took := time.Since(start)
		if err != nil || len(got) != len(in) {
			t.Fatalf("AddContacts: %d, %v", len(got), err)
		}
		t.Logf("%s: 10,000 contacts in %v", db.Dialect, took)
		if db.Dialect == sqldb.SQLite && took > time.Second && !raceDetectorOn() {
			t.Errorf("10,000 contacts took %v on SQLite, want well under 1 s", took)
		}
		st, _ := s.Stats(ctx, c.ID)
		if st.Contacts[ContactScheduled] != 10000 {
			t.Fatalf("Stats = %+v", st)
		}
	})
}
