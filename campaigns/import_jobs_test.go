package campaigns

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// TestImportJobs runs an upload as an asynq task on a real redis-server:
// the spooled file is imported by the node's own queue, progress and the
// report (with rejected lines) are recorded, and the file is removed.
func TestImportJobs(t *testing.T) {
	w := newTestWorld(t, newMigratedSQLiteDB(t))
	c, _ := w.campaign(t, Campaign{DefaultRegion: "KZ"}, 0)
	dir := t.TempDir()
	jobs := NewImportJobs(w.store, dir, "node-a", w.client, w.clock.Now, w.log)

	mux := asynq.NewServeMux()
	jobs.Register(mux)
	srv := asynq.NewServerFromRedisClient(w.rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{jobs.Queue(): 1},
		TaskCheckInterval: 50 * time.Millisecond, LogLevel: asynq.FatalLevel})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)

	body := "ФИО;Телефон\nИванов;8 (701) 123-45-67\nПлохой;12\nСидоров;8 (702) 765-43-21\n"
	job, err := jobs.Start(w.ctx, c.ID, strings.NewReader(body), "", "marketer")
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ImportQueued || job.BytesTotal != int64(len(body)) {
		t.Fatalf("started %+v", job)
	}
	deadline := time.Now().Add(10 * time.Second)
	for job.Status != ImportDone && job.Status != ImportFailed {
		if time.Now().After(deadline) {
			t.Fatalf("import still %s", job.Status)
		}
		time.Sleep(20 * time.Millisecond) // an external process (asynq's server) does the work
		if job, err = jobs.Get(w.ctx, job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job.Status != ImportDone || job.Report == nil || job.Report.Loaded != 2 || job.Report.Rejected != 1 ||
		len(job.Report.Errors) != 1 || job.Report.Errors[0].Line != 3 {
		t.Fatalf("job %+v report %+v", job, job.Report)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("spooled file left behind: %v", left)
	}
	if _, err := jobs.Get(context.Background(), job.ID+100); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	if _, err := jobs.Start(w.ctx, c.ID+100, strings.NewReader(body), "", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
}
