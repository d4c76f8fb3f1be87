package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
)

// TestEraseContact: after a compliance officer erases a contact, the
// audit trail still verifies and has an erased record, the gate denies the
// number (also after a restart reloads the DNC from SQL), and neither the
// number nor the name nor a custom field is left in contacts, attempts,
// exports, the webhook log, the DNC tables or the recordings directory.
func TestEraseContact(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleCompliance, RoleMarketer)
	const phone, second, name, field = "+998901234567", "+998911112233", "Dilnoza Yusupova", "Gold card 4417"
	cl, _ := e.store.CreateClient(ctx, "Bank")
	camp, err := e.store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome", DefaultRegion: "UZ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetWebhook(ctx, cl.ID, "https://crm.example/hook", strings.Repeat("s", 32)); err != nil {
		t.Fatal(err)
	}
	appt := testTime.Add(48 * time.Hour)
	res, err := e.store.UpsertContacts(ctx, camp.ID, []campaigns.NewContact{{Phone: phone, MorePhones: []string{second}, Name: name,
		ExternalID: "crm-77", Fields: map[string]string{"card": field}, AppointmentAt: &appt, AppointmentPlace: "Chilonzor 5"}})
	if err != nil {
		t.Fatal(err)
	}
	contact := res.Added[0]
	due, err := e.store.QueueDue(ctx, camp.ID, testTime, 0)
	if err != nil || len(due) != 1 {
		t.Fatalf("queue: %v %v", due, err)
	}
	at, err := e.store.BeginDialing(ctx, due[0].Key, campaigns.DialingInfo{Evidence: `{"number":"` + phone + `"}`})
	if err != nil {
		t.Fatal(err)
	}
	recDir := t.TempDir()
	rec := filepath.Join("2026", "03", fmt.Sprintf("attempt-%d.wav", at.ID))
	if err := os.MkdirAll(filepath.Join(recDir, "2026", "03"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(recDir, rec), []byte("RIFF "+name), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkMedia(ctx, at.ID, campaigns.AttemptMedia{Recording: rec}); err != nil {
		t.Fatal(err)
	}
	_ = e.store.MarkAnswered(ctx, at.ID, testTime)
	if err := e.store.Finish(ctx, at.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
		t.Fatal(err)
	}

	// The customer had asked not to be called, on the API's list and in a
	// campaign's scope, all recorded in the audit trail.
	dataDir := t.TempDir()
	audit := compliance.NewAuditLog(e.db.DB, compliance.HeadPath(dataDir), e.clock, slog.New(slog.DiscardHandler))
	list := compliance.NewAuditedDNCList(e.db.DB, e.clock, audit)
	index := compliance.NewDNCIndex(list)
	dncs := compliance.NewDNCStore(e.db.DB, index, audit, e.clock)
	if err := list.AddDNC(ctx, phone, "asked on the call"); err != nil {
		t.Fatal(err)
	}
	if _, err := dncs.Add(ctx, compliance.DNCRecord{Number: second, Scope: compliance.ScopeCampaign, ScopeID: camp.ID, Source: compliance.SourceAgent}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The scan below would see them: they are there before the erasure.
	for _, table := range []string{"contacts", "attempts", "webhook_events", "dnc_entries", "dnc_numbers"} {
		if !strings.Contains(dumpTable(t, e, table), strings.TrimPrefix(second, "+")) && !strings.Contains(dumpTable(t, e, table), strings.TrimPrefix(phone, "+")) {
			t.Fatalf("%s holds neither number before the erasure:\n%s", table, dumpTable(t, e, table))
		}
	}
	key := bytes.Repeat([]byte{7}, 32)
	ps, _ := compliance.NewPseudonyms(key)
	index.SetPseudonyms(ps)
	api := e.api(t, ServerConfig{Erasure: &Erasure{Contacts: e.store, DNC: dncs, List: list, Audit: audit,
		Pseudonyms: ps, RecordingsDir: recDir, Clock: e.clock}})
	path := fmt.Sprintf("/api/v1/campaigns/%d/contacts/%d/erase", camp.ID, contact.ID)
	api.call(http.MethodPost, path, RoleMarketer, "", "").expect(t, http.StatusForbidden, "")
	r := api.call(http.MethodPost, path, RoleCompliance, "", "")
	r.expect(t, http.StatusOK, "")
	if !strings.Contains(r.body, `"recordings_removed":1`) || !strings.Contains(r.body, `"pseudonym":"erased:`) {
		t.Fatalf("erasure report: %s", r.body)
	}
	if err := audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	head, err := compliance.ReadAuditHead(compliance.HeadPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := compliance.VerifyAudit(ctx, e.db.DB, &head)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain after erasure: %+v %v", rep, err)
	}
	var erased int
	if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE kind = 'erased' AND contact_id = $1`, contact.ID).Scan(&erased); err != nil || erased != 1 {
		t.Fatalf("erased records: %d, %v", erased, err)
	}

	// The gate denies both numbers, now and after a restart.
	restarted := compliance.NewDNCIndex(compliance.NewDNCList(e.db.DB, e.clock))
	restarted.SetPseudonyms(ps)
	if err := compliance.NewDNCStore(e.db.DB, restarted, nil, e.clock).Load(ctx); err != nil {
		t.Fatal(err)
	}
	rules, _ := compliance.Preset(compliance.PresetCISDefault)
	for _, idx := range []*compliance.DNCIndex{index, restarted} {
		eng, err := compliance.NewEngine(rules, compliance.NewZoneResolver(0), idx, compliance.NewConsentIndex())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{phone, second} {
			if d := eng.Check(compliance.Input{Number: n, CampaignID: camp.ID}, testTime.Add(2*time.Hour)); d.Decision != compliance.Deny {
				t.Errorf("gate on erased %s: %s %+v", n, d.Decision, d.Reasons)
			}
		}
	}

	// Nothing personal left anywhere.
	personal := []string{phone, second, strings.TrimPrefix(phone, "+"), name, field, "crm-77", "Chilonzor"}
	for _, table := range []string{"contacts", "attempts", "webhook_events", "dnc_entries", "dnc_numbers"} {
		noneIn(t, table, dumpTable(t, e, table), personal)
	}
	for _, what := range []string{campaigns.ExportContacts, campaigns.ExportAttempts} {
		var out bytes.Buffer
		if err := e.store.ExportCSV(ctx, camp.ID, what, false, &out); err != nil {
			t.Fatal(err)
		}
		noneIn(t, "export "+what, out.String(), personal)
	}
	if _, err := os.Stat(filepath.Join(recDir, rec)); !os.IsNotExist(err) {
		t.Errorf("recording still on disk: %v", err)
	}
	api.call(http.MethodPost, path, RoleCompliance, "", "").expect(t, http.StatusConflict, "already erased")
}

// dumpTable is every row of table as text.
func dumpTable(t *testing.T, e *storeEnv, table string) string {
	t.Helper()
	rows, err := e.db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v|", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func noneIn(t *testing.T, where, text string, personal []string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(text, p) {
			t.Errorf("%s still holds %q:\n%s", where, p, text)
		}
	}
}
