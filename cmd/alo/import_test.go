package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/sqldb"
)

// TestImportCommand: `alo import` loads a file into a campaign's SQL store,
// reports rejected rows by line, saves a --map for the next import, and
// refuses a bad map naming its key.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
		t.Fatal(err)
	}
	store := campaigns.NewStore(db, func() time.Time { return time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) })
	cl, _ := store.CreateClient(ctx, "Bank")
	camp, err := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome", DefaultRegion: "KZ"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(dir, "contacts.csv")
	body := "Клиент;Моб.\nИванов Иван;8 (701) 123-45-67\nПлохой;123\nПетров;8 701 123 45 67\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	mapFile := filepath.Join(dir, "map.json")
	if err := os.WriteFile(mapFile, []byte(`{"Моб.": "phone"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ALO_DATA_DIR": dir}
	id := strconv.FormatInt(camp.ID, 10)

	code, stdout, stderr := runAlo(t, env, "import", "--campaign", id, "--map", mapFile, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"3 rows read (utf-8, separator \";\"): 1 loaded, 0 updated, 1 duplicates, 1 rejected",
		`line 3: phone: "123": not a valid number for region KZ`, "line 4: phone: duplicate of line 2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "1 loaded") {
		t.Errorf("no progress line on stderr: %q", stderr)
	}

	// The map was saved: the next file with the same headers needs no --map.
	if err := os.WriteFile(file, []byte("Клиент;Моб.\nСидоров;8 (702) 000-11-22\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runAlo(t, env, "import", "--campaign", id, "--format", "json", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep campaigns.ImportReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Loaded != 1 {
		t.Fatalf("json report %q: %v", stdout, err)
	}

	if err := os.WriteFile(mapFile, []byte(`{"Моб.": "mobile"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runAlo(t, env, "import", "--campaign", id, "--map", mapFile, file)
	if code != 1 || !strings.Contains(stderr, `column_map["Моб."]`) {
		t.Fatalf("bad map: exit %d, %s", code, stderr)
	}
}
