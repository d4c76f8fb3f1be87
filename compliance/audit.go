package compliance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Kinds of audit records.
const (
	AuditDeny    = "deny"
	AuditDefer   = "defer"
	AuditOutcome = "outcome"
	AuditDNC     = "dnc"
	AuditConsent = "consent"
	AuditRules   = "rules"
)

// AuditHeadFile is the anchor's file name in the data directory.
const AuditHeadFile = "audit-head.json"

// AuditEvent is one thing to record; Body is marshalled to JSON.
type AuditEvent struct {
	Kind       string
	At         time.Time
	CampaignID int64
	ContactID  int64
	Number     string
	Body       any
}

// AuditRecord is one stored, chained record.
type AuditRecord struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Kind       string          `json:"kind"`
	CampaignID int64           `json:"campaign_id,omitempty"`
	ContactID  int64           `json:"contact_id,omitempty"`
	Number     string          `json:"number,omitempty"`
	Body       json.RawMessage `json:"body"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// chainHash is the record's hash over its content and its predecessor's
// hash: changing any stored field, or removing a record, breaks the chain.
func chainHash(r AuditRecord) string {
	h := sha256.New()
	for _, f := range []string{r.PrevHash, strconv.FormatInt(r.Seq, 10), strconv.FormatInt(r.At.UnixMilli(), 10), r.Kind,
		strconv.FormatInt(r.CampaignID, 10), strconv.FormatInt(r.ContactID, 10), r.Number, string(r.Body)} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditHead is the anchor kept outside the database: the last record this
// node wrote, so records removed from the end are noticed.
type AuditHead struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"anchored_at"`
}

// AuditLog is the append-only, hash-chained audit trail. Record queues an
// event; Run writes queued events in batches (one transaction each) and
// anchors the head in a file after every batch. A failed write sets a
// latch: Healthy then returns it and the gate stops dialing, until a write
// works again.
type AuditLog struct {
	db       *sql.DB
	headPath string
	clock    func() time.Time
	log      *slog.Logger
	// BatchSize and Every bound a batch: it is written when it holds
	// BatchSize events or Every has passed.
	BatchSize int
	Every     time.Duration

	mu      sync.Mutex
	pending []AuditRecord
	err     error
	kick    chan struct{}
	flushMu sync.Mutex
	// unanchored is a head written to SQL whose anchor file write failed;
	// lastHead the last one anchored (rewritten to probe the disk). Both
	// are guarded by flushMu.
	unanchored *AuditHead
	lastHead   *AuditHead
}

// NewAuditLog returns the log over db (tables from Migrations), anchoring
// its head at headPath ("" for no anchor: tools and tests only).
func NewAuditLog(db *sql.DB, headPath string, clock func() time.Time, log *slog.Logger) *AuditLog {
	return &AuditLog{db: db, headPath: headPath, clock: clock, log: log, BatchSize: 256,
		Every: 200 * time.Millisecond, kick: make(chan struct{}, 1)}
}

// Healthy returns the error of the last failed write, if any.
func (a *AuditLog) Healthy() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Record queues ev for the next batch. It fails when the log has stopped
// writing, or when ev's body cannot be encoded.
func (a *AuditLog) Record(_ context.Context, ev AuditEvent) error {
	body, err := json.Marshal(ev.Body)
	if err != nil {
		return fmt.Errorf("audit %s: body: %w", ev.Kind, err)
	}
	at := ev.At
	if at.IsZero() {
		at = a.clock()
	}
	r := AuditRecord{At: time.UnixMilli(at.UnixMilli()).UTC(), Kind: ev.Kind, CampaignID: ev.CampaignID,
		ContactID: ev.ContactID, Number: ev.Number, Body: body}
	a.mu.Lock()
	// While writes fail the records wait in memory (the gate denies new
	// calls meanwhile, so only calls in progress add to them), up to a bound.
	if a.err != nil && len(a.pending) >= maxPendingWhileFailing {
		a.mu.Unlock()
		return fmt.Errorf("audit trail stopped: %w", a.err)
	}
	a.pending = append(a.pending, r)
	full := len(a.pending) >= a.BatchSize
	a.mu.Unlock()
	if full {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Run writes batches until ctx ends, then writes what is left.
func (a *AuditLog) Run(ctx context.Context) error {
	t := time.NewTicker(a.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return a.Flush(context.WithoutCancel(ctx))
		case <-t.C:
		case <-a.kick:
		}
		if err := a.Flush(ctx); err != nil {
			a.log.Error("audit write failed; dialing stops", "err", err)
		}
	}
}

// Flush writes every queued record now, chained after the last stored
// record. Several nodes may append to one log: a node that loses the race
// for the next sequence number reads the new tail and tries again.
//
// A failed write keeps its records queued and sets the latch Healthy
// reports; the next Flush tries again, and the latch clears when a write
// (or, with nothing queued, a probe of the database and the anchor file)
// works again.
func (a *AuditLog) Flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	batch := a.pending
	a.pending = nil
	latched := a.err != nil
	a.mu.Unlock()
	var err error
	switch {
	case a.unanchored != nil:
		// The records are in SQL; only the anchor is missing.
		err = a.anchor(*a.unanchored)
		if err == nil && len(batch) > 0 {
			err = a.writeBatch(ctx, batch)
		} else if err != nil {
			a.requeue(batch)
		}
	case len(batch) > 0:
		err = a.writeBatch(ctx, batch)
	case latched:
		err = a.probe(ctx)
	default:
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.err = err
		return err
	}
	if latched {
		a.log.Info("audit trail writing again; dialing resumes")
	}
	a.err = nil
	return nil
}

// maxPendingWhileFailing bounds the records held in memory while writes fail.
const maxPendingWhileFailing = 100_000

// writeBatch writes batch and anchors it; on a failed SQL write the batch
// goes back to the queue, on a failed anchor only the anchor is retried.
func (a *AuditLog) writeBatch(ctx context.Context, batch []AuditRecord) error {
	var err error
	var head AuditHead
	// Another node may take the next sequence number between our read of
	// the tail and our insert: read again after a short pause.
	for try := 1; try <= 5; try++ {
		if head, err = a.write(ctx, batch); err == nil || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(time.Duration(try) * 20 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	if err != nil {
		a.requeue(batch)
		return err
	}
	return a.anchor(head)
}

// anchor writes head to the anchor file; a failure leaves it to retry.
func (a *AuditLog) anchor(head AuditHead) error {
	if a.headPath == "" {
		a.unanchored = nil
		return nil
	}
	head.At = a.clock().UTC()
	if err := writeHead(a.headPath, head); err != nil {
		a.unanchored = &head
		return err
	}
	a.unanchored = nil
	a.lastHead = &head
	return nil
}

// requeue puts a batch that was not written back before newer records.
func (a *AuditLog) requeue(batch []AuditRecord) {
	if len(batch) == 0 {
		return
	}
	a.mu.Lock()
	a.pending = append(batch, a.pending...)
	a.mu.Unlock()
}

// probe checks, with nothing to write, that the database answers and the
// anchor file can be written again.
func (a *AuditLog) probe(ctx context.Context) error {
	if err := a.db.PingContext(ctx); err != nil {
		return fmt.Errorf("audit database: %w", err)
	}
	if a.headPath != "" && a.lastHead != nil {
		return writeHead(a.headPath, *a.lastHead)
	}
	return nil
}

func (a *AuditLog) write(ctx context.Context, batch []AuditRecord) (AuditHead, error) {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return AuditHead{}, fmt.Errorf("audit write: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	var prev string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return AuditHead{}, fmt.Errorf("audit tail: %w", err)
	}
	for i := range batch {
		r := &batch[i]
		seq++
		r.Seq, r.PrevHash = seq, prev
		r.Hash = chainHash(*r)
		prev = r.Hash
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, kind, campaign_id, contact_id, number, body, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.Seq, r.At.UnixMilli(), r.Kind, r.CampaignID, r.ContactID,
			r.Number, string(r.Body), r.PrevHash, r.Hash); err != nil {
			return AuditHead{}, fmt.Errorf("audit insert %d: %w", r.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return AuditHead{}, fmt.Errorf("audit commit: %w", err)
	}
	return AuditHead{Seq: seq, Hash: prev}, nil
}

// writeHead replaces the anchor file atomically.
func writeHead(path string, h AuditHead) error {
	b, _ := json.Marshal(h) // plain data
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// ReadAuditHead reads the anchor file.
func ReadAuditHead(path string) (AuditHead, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return AuditHead{}, fmt.Errorf("audit head: %w", err)
	}
	var h AuditHead
	if err := json.Unmarshal(b, &h); err != nil {
		return AuditHead{}, fmt.Errorf("audit head %s: %w", path, err)
	}
	return h, nil
}

// HeadPath is the anchor file's path in dataDir.
func HeadPath(dataDir string) string { return filepath.Join(dataDir, AuditHeadFile) }

// AuditProblem is one break in the chain found by VerifyAudit.
type AuditProblem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"` // edited, deleted, truncated, anchor
	Detail string `json:"detail"`
}

// AuditReport is VerifyAudit's finding.
type AuditReport struct {
	Records  int64          `json:"records"`
	LastSeq  int64          `json:"last_seq"`
	Head     *AuditHead     `json:"head,omitempty"`
	Problems []AuditProblem `json:"problems"`
}

// OK reports whether the log verified clean.
func (r AuditReport) OK() bool { return len(r.Problems) == 0 }

// VerifyAudit walks the whole log, recomputing every hash and link, and
// compares its end with the anchor (head may be nil when there is none):
// an edited record fails its hash, a deleted one leaves a gap in the
// sequence and a broken link, a truncated log ends before the anchor.
func VerifyAudit(ctx context.Context, db *sql.DB, head *AuditHead) (AuditReport, error) {
	rep := AuditReport{Head: head, Problems: []AuditProblem{}}
	rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var prevSeq int64
	var prevHash string
	hashes := map[int64]string{}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return rep, fmt.Errorf("audit verify: %w", err)
		}
		rep.Records++
		if r.Seq != prevSeq+1 {
			rep.Problems = append(rep.Problems, AuditProblem{Seq: prevSeq + 1, Kind: "deleted",
				Detail: fmt.Sprintf("records %d to %d are missing", prevSeq+1, r.Seq-1)})
		} else if r.PrevHash != prevHash {
			rep.Problems = append(rep.Problems, AuditProblem{Seq: r.Seq, Kind: "edited",
				Detail: fmt.Sprintf("record %d does not link to record %d", r.Seq, prevSeq)})
		}
		if chainHash(r) != r.Hash {
			rep.Problems = append(rep.Problems, AuditProblem{Seq: r.Seq, Kind: "edited",
				Detail: fmt.Sprintf("record %d content does not match its hash", r.Seq)})
		}
		if head != nil && r.Seq == head.Seq {
			hashes[r.Seq] = r.Hash
		}
		prevSeq, prevHash = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	rep.LastSeq = prevSeq
	if head != nil {
		switch h, ok := hashes[head.Seq]; {
		case head.Seq > prevSeq:
			rep.Problems = append(rep.Problems, AuditProblem{Seq: prevSeq + 1, Kind: "truncated",
				Detail: fmt.Sprintf("the anchor names record %d (anchored %s) but the log ends at %d", head.Seq,
					head.At.Format(time.RFC3339), prevSeq)})
		case ok && h != head.Hash:
			rep.Problems = append(rep.Problems, AuditProblem{Seq: head.Seq, Kind: "anchor",
				Detail: fmt.Sprintf("record %d's hash differs from the anchored one: the log was rewritten", head.Seq)})
		}
	}
	return rep, nil
}
