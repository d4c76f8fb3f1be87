package dialer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

// flakyFinisher fails its first fails Finish calls with err.
type flakyFinisher struct {
	AttemptSource
	fails int
	err   error
	calls int
}

func (f *flakyFinisher) Finish(context.Context, int64, campaigns.Result) error {
	f.calls++
	if f.calls <= f.fails {
		return f.err
	}
	return nil
}

// TestFinishRetrying: an outcome whose write fails for the storage's sake
// is retried until written, even after the call's context ended; a refusal
// is not retried.
func TestFinishRetrying(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls int
		wantErr   bool
	}{
		{"disk full, then written", errors.New("database or disk is full"), 3, false},
		{"already ended", fmt.Errorf("attempt 1 is done: %w", campaigns.ErrConflict), 1, true},
		{"no such attempt", fmt.Errorf("attempt 1: %w", campaigns.ErrNotFound), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flakyFinisher{fails: 2, err: tt.err}
			p := &pacer{e: &Engine{cfg: EngineConfig{Attempts: f, Clock: time.Now}}}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the call ended (a shutdown): the outcome is still written
			err := p.finishRetrying(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), 1, campaigns.Result{Outcome: campaigns.OutcomeHuman})
			if (err != nil) != tt.wantErr || f.calls != tt.wantCalls {
				t.Errorf("err %v after %d calls, want error %v after %d", err, f.calls, tt.wantErr, tt.wantCalls)
			}
		})
	}
}
