package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Retentions says, per campaign id, how many days its recordings are kept
// (0 or absent: kept until deleted by hand).
type Retentions interface {
	RecordingRetention(ctx context.Context) (map[int64]int, error)
}

// Sweeper deletes recorded calls once their campaign's
// recording.retention_days have passed. Recordings live in each node's
// own data dir, so every node sweeps its own.
type Sweeper struct {
	Dir       string // <data dir>/recordings
	Campaigns Retentions
	Clock     func() time.Time
	Log       *slog.Logger
}

// Sweep deletes the recordings older than their campaign's retention and
// reports how many it deleted. A recording's age is its file's last write,
// i.e. the end of the call; one still being written is never old enough.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	cs, err := s.Campaigns.RecordingRetention(ctx)
	if err != nil {
		return 0, fmt.Errorf("recording retention: list campaigns: %w", err)
	}
	now := s.Clock()
	removed := 0
	var errs []error
	for id, days := range cs {
		if days <= 0 {
			continue
		}
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
		dir := filepath.Join(s.Dir, strconv.FormatInt(id, 10))
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("recording retention: campaign %d: %w", id, err))
			continue
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".wav") {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				errs = append(errs, fmt.Errorf("recording retention: %w", err))
				continue
			}
			removed++
		}
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
	}
	return removed, errors.Join(errs...)
}

// Run sweeps at once and then every interval until ctx ends.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("recording retention sweep", "err", err)
		}
		if n > 0 {
			s.Log.Info("recordings past their retention deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
