package recording

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

type campaignList map[int64]int

func (l campaignList) RecordingRetention(context.Context) (map[int64]int, error) { return l, nil }

// TestRecordingSweeper: files older than their campaign's retention go,
// younger ones and those of campaigns without retention stay.
func TestRecordingSweeper(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	files := []struct {
		campaign int64
		name     string
		age      time.Duration
		kept     bool
	}{
		{1, "10.wav", 31 * 24 * time.Hour, false},
		{1, "11.wav", 29 * 24 * time.Hour, true},
		{1, "notes.txt", 400 * 24 * time.Hour, true}, // not a recording
		{2, "20.wav", 400 * 24 * time.Hour, true},    // campaign keeps recordings
		{3, "30.wav", 2 * 24 * time.Hour, false},
	}
	for _, f := range files {
		p := filepath.Join(dir, itoa64(f.campaign), f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("RIFF"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := now.Add(-f.age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	cs := campaignList{
		1: 30,
		2: 0,
		3: 1,
		4: 1, // never recorded: no dir
	}
	s := &Sweeper{Dir: dir, Campaigns: cs, Clock: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	n, err := s.Sweep(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 deleted", n, err)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, rel)
		}
		return nil
	})
	want := []string{"1/11.wav", "1/notes.txt", "2/20.wav"}
	slices.Sort(left)
	if !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
