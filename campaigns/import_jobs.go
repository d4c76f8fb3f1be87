package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// TypeImport runs one spooled contacts import (ImportJobs).
const TypeImport = "contacts:import"

// The states of an import job.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportJob is a contacts upload run in the background: large files would
// otherwise hold an HTTP request open for minutes.
type ImportJob struct {
	ID         int64          `json:"id"`
	CampaignID int64          `json:"campaign_id"`
	Status     string         `json:"status"`
	BytesTotal int64          `json:"bytes_total"`
	Progress   ImportProgress `json:"progress"`
	// Report is set when the job is done: counts and every rejected row.
	Report    *ImportReport `json:"report,omitempty"`
	Error     string        `json:"error,omitempty"`
	CreatedBy string        `json:"created_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ImportJobs spools uploads to the data dir and runs them as asynq tasks.
// The file stays on the node that received it, so each node's tasks go to
// its own queue (ImportQueue), which only that node's asynq server serves.
type ImportJobs struct {
	store *Store
	dir   string
	node  string
	enq   Enqueuer
	clock func() time.Time
	log   *slog.Logger
}

// NewImportJobs returns the import jobs of node, spooling files under dir.
func NewImportJobs(store *Store, dir, node string, enq Enqueuer, clock func() time.Time, log *slog.Logger) *ImportJobs {
	return &ImportJobs{store: store, dir: dir, node: node, enq: enq, clock: clock, log: log}
}

// ImportQueue is the asynq queue of node's import tasks; list it in the
// node's asynq.Config.Queues.
func ImportQueue(node string) string { return "imports:" + node }

// Queue is this node's import queue.
func (j *ImportJobs) Queue() string { return ImportQueue(j.node) }

// Start spools r to a file, records the job and queues it. region is the
// country for local numbers ("" for the campaign's). The job runs with the
// campaign's saved column mapping.
func (j *ImportJobs) Start(ctx context.Context, campaignID int64, r io.Reader, region, user string) (ImportJob, error) {
	if _, err := j.store.GetCampaign(ctx, campaignID); err != nil {
		return ImportJob{}, fmt.Errorf("start import: %w", err)
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return ImportJob{}, fmt.Errorf("start import: %w", err)
	}
	f, err := os.CreateTemp(j.dir, "contacts-*.csv")
	if err != nil {
		return ImportJob{}, fmt.Errorf("start import: %w", err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return ImportJob{}, fmt.Errorf("start import: spool upload: %w", err)
	}
	now := ms(j.clock())
	var id int64
	if err := j.store.db.QueryRowContext(ctx, `INSERT INTO imports
		(campaign_id, node, file, bytes_total, region, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		campaignID, j.node, filepath.Base(f.Name()), n, region, ImportQueued, user, now).Scan(&id); err != nil {
		os.Remove(f.Name())
		return ImportJob{}, fmt.Errorf("start import: %w", err)
	}
	task := asynq.NewTask(TypeImport, []byte(strconv.FormatInt(id, 10)), asynq.TaskID("import:"+strconv.FormatInt(id, 10)),
		asynq.Queue(j.Queue()), asynq.MaxRetry(3), asynq.Timeout(time.Hour))
	if _, err := j.enq.EnqueueContext(ctx, task); err != nil {
		j.fail(ctx, id, fmt.Errorf("enqueue: %w", err))
		return ImportJob{}, fmt.Errorf("start import %d: enqueue: %w", id, err)
	}
	j.log.Info("import queued", "campaign", campaignID, "import", id, "bytes", n, "user", user)
	return j.Get(ctx, id)
}

// Get returns one job.
func (j *ImportJobs) Get(ctx context.Context, id int64) (ImportJob, error) {
	var job ImportJob
	var progress, report string
	var created, updated int64
	err := j.store.db.QueryRowContext(ctx, `SELECT id, campaign_id, status, bytes_total, progress, report, error,
		created_by, created_at, updated_at FROM imports WHERE id = $1`, id).Scan(&job.ID, &job.CampaignID, &job.Status,
		&job.BytesTotal, &progress, &report, &job.Error, &job.CreatedBy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return ImportJob{}, fmt.Errorf("import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ImportJob{}, fmt.Errorf("get import %d: %w", id, err)
	}
	if progress != "" {
		if err := json.Unmarshal([]byte(progress), &job.Progress); err != nil {
			return ImportJob{}, fmt.Errorf("import %d progress: %w", id, err)
		}
	}
	if report != "" {
		job.Report = &ImportReport{}
		if err := json.Unmarshal([]byte(report), job.Report); err != nil {
			return ImportJob{}, fmt.Errorf("import %d report: %w", id, err)
		}
		job.Progress = job.Report.ImportProgress
	}
	job.CreatedAt, job.UpdatedAt = fromMS(created), fromMS(updated)
	return job, nil
}

// Register adds the import handler to mux.
func (j *ImportJobs) Register(mux *asynq.ServeMux) { mux.HandleFunc(TypeImport, j.Handle) }

// Handle runs one import task. A retried task (the node died mid-import)
// reads the file again: rows already loaded come back as duplicates
// "already in the campaign", so nothing is loaded twice.
func (j *ImportJobs) Handle(ctx context.Context, t *asynq.Task) error {
	id, err := strconv.ParseInt(string(t.Payload()), 10, 64)
	if err != nil {
		return fmt.Errorf("%s payload %q: %w", TypeImport, t.Payload(), asynq.SkipRetry)
	}
	var campaignID int64
	var file, region string
	if err := j.store.db.QueryRowContext(ctx, `SELECT campaign_id, file, region FROM imports WHERE id = $1`, id).
		Scan(&campaignID, &file, &region); err != nil {
		return fmt.Errorf("import %d: %w", id, err)
	}
	path := filepath.Join(j.dir, file)
	f, err := os.Open(path)
	if err != nil {
		j.fail(ctx, id, err)
		return fmt.Errorf("import %d: %w: %w", id, err, asynq.SkipRetry)
	}
	defer f.Close()
	j.update(ctx, id, ImportRunning, "progress", ImportProgress{})
	rep, err := j.store.ImportContacts(ctx, campaignID, f, ImportOptions{Region: region,
		Progress: func(p ImportProgress) { j.update(ctx, id, ImportRunning, "progress", p) }})
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			// The file is not contacts: retrying cannot help.
			j.fail(ctx, id, err)
			os.Remove(path)
			return fmt.Errorf("import %d: %w: %w", id, err, asynq.SkipRetry)
		}
		return fmt.Errorf("import %d: %w", id, err)
	}
	j.update(ctx, id, ImportDone, "report", rep)
	os.Remove(path)
	j.log.Info("import done", "campaign", campaignID, "import", id, "loaded", rep.Loaded, "updated", rep.Updated,
		"duplicates", rep.Duplicates, "rejected", rep.Rejected)
	return nil
}

// update records a job's state with its progress or report (column).
func (j *ImportJobs) update(ctx context.Context, id int64, status, column string, v any) {
	b, _ := json.Marshal(v) // plain structs always marshal
	if _, err := j.store.db.ExecContext(ctx, `UPDATE imports SET status = $1, `+column+` = $2, updated_at = $3 WHERE id = $4`,
		status, string(b), ms(j.clock()), id); err != nil {
		j.log.Warn("import progress not recorded", "import", id, "err", err)
	}
}

func (j *ImportJobs) fail(ctx context.Context, id int64, cause error) {
	if _, err := j.store.db.ExecContext(ctx, `UPDATE imports SET status = $1, error = $2, updated_at = $3 WHERE id = $4`,
		ImportFailed, cause.Error(), ms(j.clock()), id); err != nil {
		j.log.Warn("import failure not recorded", "import", id, "err", err)
	}
}
