package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/csvcell"
	"github.com/alo-dialer/alo/sqldb"
)

// Import limits: text longer than these is almost always a broken column
// split, and it ends up in consoles and SIP headers.
const (
	maxExternalIDLength = 200
	maxRegionLength     = 32
	maxPlaceLength      = 500
	maxCustomLength     = 1000
	// DefaultImportBatch is how many rows go into one transaction.
	DefaultImportBatch = 500
	// DefaultImportMaxErrors is how many rejected rows a report lists; more
	// are counted but not listed, so a wrong file cannot exhaust memory.
	DefaultImportMaxErrors = 10000
)

// ImportOptions tune one import.
type ImportOptions struct {
	// Region is the country for numbers written in local form; "" means
	// the campaign's DefaultRegion.
	Region string
	// Columns maps the file's headers to fields; nil means the mapping
	// saved with the campaign (SaveColumnMap), or the default names.
	Columns ColumnMap
	// BatchSize is the rows per transaction (default DefaultImportBatch).
	BatchSize int
	// MaxErrors bounds the rejected rows listed (default DefaultImportMaxErrors).
	MaxErrors int
	// Progress, when set, is called after every batch is written.
	Progress func(ImportProgress)
}

// ImportProgress counts an import so far.
type ImportProgress struct {
	// BytesRead is how far into the file (in its own bytes) the import is.
	BytesRead int64 `json:"bytes_read"`
	// Rows counts records after the header, blank ones excluded.
	Rows int `json:"rows"`
	// Loaded counts new contacts; Updated counts contacts matched by
	// external_id and updated in place.
	Loaded  int `json:"loaded"`
	Updated int `json:"updated"`
	// Rejected counts rows with an error; Duplicates counts rows whose
	// number (or external_id) appeared earlier in the file or is already in
	// the campaign. Both are listed in the report's Errors.
	Rejected   int `json:"rejected"`
	Duplicates int `json:"duplicates"`
}

// ImportReport is the result of an import: the counts, how the file was
// read, and every rejected row with the physical line it starts on.
type ImportReport struct {
	ImportProgress
	Encoding  string     `json:"encoding"`
	Separator string     `json:"separator"`
	Errors    []RowError `json:"errors"`
	// ErrorsTruncated is true when more rows were rejected than listed.
	ErrorsTruncated bool `json:"errors_truncated,omitempty"`
}

// importRow is one good row on its way to SQL.
type importRow struct {
	update     int64 // contact id to update (external_id matched), 0 to insert
	phones     []string
	name       string
	language   string
	timeZone   string
	region     string
	externalID string
	apptAt     *time.Time
	apptPlace  string
	fields     map[string]string
}

// importer holds one import's state: the campaign's existing numbers and
// external ids, what the file has shown so far, and the rows waiting to be
// written. Rows are checked by rowCheckers on other goroutines
// (import_pipeline.go); the importer sees them in file order.
type importer struct {
	store  *Store
	camp   Campaign
	opt    ImportOptions
	now    time.Time
	report ImportReport

	// seen maps a number (its E.164 digits) to the line that first had
	// it; 0 means it was already in the campaign. Digits as uint64 keep a
	// million-row file's map small.
	seen     map[uint64]int
	external map[string]int64 // external_id → contact id already in the campaign
	extLine  map[string]int   // external_id → line that first had it in this file
	pending  []importRow
	stmts    map[int]*sql.Stmt // prepared multi-row INSERTs by row count
}

// rowChecker turns records into rows; each checking goroutine has its own
// (its caches are not shared).
type rowChecker struct {
	camp    Campaign
	region  string
	cols    importColumns
	width   int
	phones  *PhoneNormalizer
	zones   map[string]string
	apptLoc map[string]*time.Location
	// regions memoises the country column's values: code → reason.
	regions map[string]string
}

func newRowChecker(camp Campaign, region string, cols importColumns, width int) *rowChecker {
	return &rowChecker{camp: camp, region: region, cols: cols, width: width, phones: NewPhoneNormalizer(),
		zones: map[string]string{}, apptLoc: map[string]*time.Location{}, regions: map[string]string{}}
}

// ImportContacts streams a contacts CSV into a campaign: the encoding and
// separator are detected, columns mapped, each row checked, duplicates
// (within the file and against the campaign) and bad rows reported with the
// physical line they start on, and the good rows written in batches while
// the file is still being read (docs/architecture.md invariant 6: bad rows change
// nothing else). A row whose external_id is already in the campaign updates
// that contact. The error is for a file that cannot be read as contacts at
// all, or a storage failure; rows written before a storage failure stay
// written and are counted in the report returned with it.
func (s *Store) ImportContacts(ctx context.Context, campaignID int64, r io.Reader, opt ImportOptions) (ImportReport, error) {
	camp, err := s.GetCampaign(ctx, campaignID)
	if err != nil {
		return ImportReport{}, fmt.Errorf("import contacts: %w", err)
	}
	if camp.Status.final() {
		return ImportReport{}, fmt.Errorf("import contacts: campaign %d is %s: %w: it takes no more contacts", campaignID, camp.Status, ErrConflict)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultImportBatch
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = DefaultImportMaxErrors
	}
	if opt.Columns == nil {
		if opt.Columns, err = s.ColumnMapOf(ctx, campaignID); err != nil {
			return ImportReport{}, fmt.Errorf("import contacts: %w", err)
		}
	}
	if err := opt.Columns.Validate(); err != nil {
		return ImportReport{}, err
	}
	region := opt.Region
	if region == "" {
		region = camp.DefaultRegion
	}
	src, err := openCSV(r)
	if err != nil {
		return ImportReport{}, err
	}
	header, err := src.reader.Read()
	if errors.Is(err, io.EOF) {
		return ImportReport{}, fmt.Errorf("contacts csv: empty file: a header row with a phone column is required: %w", ErrInvalid)
	}
	if err != nil {
		return ImportReport{}, fmt.Errorf("contacts csv: header: %w: %w", err, ErrInvalid)
	}
	header = append([]string(nil), header...) // the reader reuses its record
	cols, err := opt.Columns.resolve(header)
	if err != nil {
		return ImportReport{}, err
	}
	im := &importer{store: s, camp: camp, opt: opt, now: fromMS(ms(s.clock())), seen: map[uint64]int{},
		external: map[string]int64{}, extLine: map[string]int{}, stmts: map[int]*sql.Stmt{}}
	defer im.close()
	im.report.Encoding = src.encoding
	im.report.Separator = string(src.separator)
	if err := im.loadExisting(ctx); err != nil {
		return im.report, err
	}
	checkers := make([]*rowChecker, importWorkers)
	for i := range checkers {
		checkers[i] = newRowChecker(camp, region, cols, len(header))
	}
	if err := im.run(ctx, src, checkers); err != nil {
		return im.report, err
	}
	if im.report.Errors == nil {
		im.report.Errors = []RowError{}
	}
	return im.report, nil
}

// loadExisting reads the campaign's numbers and external ids, so a file
// loaded twice adds nothing and a CRM export updates what it sent before.
func (im *importer) loadExisting(ctx context.Context) error {
	rows, err := im.store.db.QueryContext(ctx, `SELECT id, phone, external_id FROM contacts WHERE campaign_id = $1`, im.camp.ID)
	if err != nil {
		return fmt.Errorf("import contacts: load campaign %d: %w", im.camp.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var phone, ext string
		if err := rows.Scan(&id, &phone, &ext); err != nil {
			return fmt.Errorf("import contacts: load campaign %d: %w", im.camp.ID, err)
		}
		if k, ok := phoneKey(phone); ok {
			im.seen[k] = 0
		}
		if ext != "" {
			im.external[ext] = id
		}
	}
	return rows.Err()
}

// phoneKey packs an E.164 number's digits (at most 15) into a uint64.
func phoneKey(e164 string) (uint64, bool) {
	if len(e164) < 2 || e164[0] != '+' {
		return 0, false
	}
	k, err := strconv.ParseUint(e164[1:], 10, 64)
	return k, err == nil
}

// reject records a bad row.
func (im *importer) reject(e RowError) {
	im.report.Rejected++
	im.list(e)
}

// duplicate records a row that repeats an earlier one.
func (im *importer) duplicate(e RowError) {
	im.report.Duplicates++
	im.list(e)
}

func (im *importer) list(e RowError) {
	if len(im.report.Errors) >= im.opt.MaxErrors {
		im.report.ErrorsTruncated = true
		return
	}
	im.report.Errors = append(im.report.Errors, e)
}

// checked is one record after a rowChecker: a row to queue, a rejected
// row, or a blank record (skip).
type checked struct {
	row  importRow
	bad  *RowError
	skip bool
	line int
}

// record checks one record, on a checking goroutine.
func (rc *rowChecker) record(rec []string, line int) checked {
	blank, extra := true, false
	for i, f := range rec {
		if strings.TrimSpace(f) != "" {
			blank = false
			extra = extra || i >= rc.width
		}
	}
	if blank {
		return checked{skip: true} // a trailing ";;;" row Excel leaves is neither a contact nor an error
	}
	// Fields past the header's are tolerated while empty: a trailing
	// separator on each line is how some exports end a row.
	if len(rec) < rc.width || extra {
		return checked{line: line, bad: &RowError{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), rc.width)}}
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return checked{line: line, bad: &RowError{Line: line, Field: fmt.Sprintf("column %d", i+1), Reason: "not UTF-8 text (save the file as CSV UTF-8)"}}
		}
		rec[i] = csvcell.Unescape(f) // an export's '=… cell imports back as =…
	}
	out, bad := rc.check(rec, line)
	return checked{row: out, bad: bad, line: line}
}

// queue takes a checked record in file order: counts it, and queues its
// row unless it repeats an earlier one.
func (im *importer) queue(c checked) {
	if c.skip {
		return
	}
	im.report.Rows++
	if c.bad != nil {
		im.reject(*c.bad)
		return
	}
	out, line := c.row, c.line
	if out.externalID != "" {
		if first, dup := im.extLine[out.externalID]; dup {
			im.duplicate(RowError{Line: line, Field: FieldExternalID, Reason: fmt.Sprintf("duplicate of line %d", first)})
			return
		}
		im.extLine[out.externalID] = line
		if id, ok := im.external[out.externalID]; ok {
			// The CRM sent this contact before: update it, never add a second.
			out.update = id
			im.pending = append(im.pending, out)
			return
		}
	}
	k, _ := phoneKey(out.phones[0])
	if first, dup := im.seen[k]; dup {
		reason := fmt.Sprintf("duplicate of line %d", first)
		if first == 0 {
			reason = "already in the campaign"
		}
		im.duplicate(RowError{Line: line, Field: FieldPhone, Reason: reason})
		return
	}
	im.seen[k] = line
	im.pending = append(im.pending, out)
}

// check turns a record into a row, or names the first field at fault.
func (rc *rowChecker) check(rec []string, line int) (importRow, *RowError) {
	var out importRow
	bad := func(field, reason string) (importRow, *RowError) {
		return importRow{}, &RowError{Line: line, Field: field, Reason: reason}
	}
	region, reason := rc.rowRegion(rec)
	if reason != "" {
		return bad(FieldCountry, reason)
	}
	for n, i := range rc.cols.phones {
		// A cell may hold the number split by a line break (Alt+Enter in
		// Excel); fold it like any other spacing.
		raw := strings.Join(strings.Fields(rec[i]), " ")
		field := FieldPhone
		if n > 0 {
			field = FieldPhone + strconv.Itoa(n+1)
		}
		if raw == "" {
			if n == 0 {
				return bad(field, "empty")
			}
			continue
		}
		p, err := rc.phones.Normalize(raw, region)
		if err != nil {
			return bad(field, err.Error())
		}
		if !containsString(out.phones, p) {
			out.phones = append(out.phones, p)
		}
	}
	if i := rc.cols.name; i >= 0 {
		name, reason := CleanName(rec[i])
		if reason != "" {
			return bad(FieldName, reason)
		}
		out.name = name
	}
	if i := rc.cols.language; i >= 0 {
		lang, reason := checkLanguage(rec[i])
		if reason != "" {
			return bad(FieldLanguage, reason)
		}
		out.language = lang
	}
	if i := rc.cols.timeZone; i >= 0 {
		tz := strings.TrimSpace(rec[i])
		reason, known := rc.zones[tz]
		if !known {
			_, reason = CheckTimeZone(tz)
			rc.zones[tz] = reason
		}
		if reason != "" {
			return bad(FieldTimeZone, reason)
		}
		out.timeZone = tz
	}
	if i := rc.cols.region; i >= 0 {
		if out.region, reason = checkText(rec[i], maxRegionLength); reason != "" {
			return bad(FieldRegion, reason)
		}
		if isASCII(out.region) {
			out.region = strings.ToUpper(out.region) // a code: fl and FL are one state
		}
	}
	if i := rc.cols.externalID; i >= 0 {
		if out.externalID, reason = checkText(rec[i], maxExternalIDLength); reason != "" {
			return bad(FieldExternalID, reason)
		}
	}
	if i := rc.cols.appointmentPlace; i >= 0 {
		if out.apptPlace, reason = checkText(rec[i], maxPlaceLength); reason != "" {
			return bad(FieldAppointmentPlace, reason)
		}
	}
	if i := rc.cols.appointmentAt; i >= 0 && strings.TrimSpace(rec[i]) != "" {
		at, reason := rc.appointment(rec[i], out.timeZone)
		if reason != "" {
			return bad(FieldAppointmentAt, reason)
		}
		out.apptAt = &at
	}
	if out.apptAt == nil && rc.camp.Type == TypeAppointmentReminder {
		return bad(FieldAppointmentAt, "required in an appointment_reminder campaign")
	}
	for name, i := range rc.cols.custom {
		v, reason := checkNote(rec[i], maxCustomLength)
		if reason != "" {
			return bad(FieldCustom+name, reason)
		}
		if v == "" {
			continue
		}
		if out.fields == nil {
			out.fields = map[string]string{}
		}
		out.fields[name] = v
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkLanguage accepts a BCP 47 primary language tag ("ru", "kk", "uz",
// "en"); prompts are stored under it.
func checkLanguage(raw string) (string, string) {
	lang := strings.ToLower(strings.TrimSpace(raw))
	if lang == "" {
		return "", ""
	}
	if len(lang) < 2 || len(lang) > 3 {
		return "", fmt.Sprintf("%q is not a language code (use two letters such as ru, kk, uz, en)", raw)
	}
	for _, r := range lang {
		if r < 'a' || r > 'z' {
			return "", fmt.Sprintf("%q is not a language code (use two letters such as ru, kk, uz, en)", raw)
		}
	}
	return lang, ""
}

// checkText trims a free-text field, folds inner white space and refuses
// control characters and overlong text.
func checkText(raw string, max int) (string, string) {
	s := strings.Join(strings.Fields(raw), " ")
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Sprintf("longer than %d characters", max)
	}
	if p := input.TextProblem(s); p != "" {
		return "", p
	}
	return s, ""
}

// checkNote is checkText for custom fields, which keep their line breaks
// (an address or a note written on several lines).
func checkNote(raw string, max int) (string, string) {
	s := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Sprintf("longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", "contains a control character"
		}
	}
	if p := input.TextProblem(strings.NewReplacer("\n", " ", "\t", " ").Replace(s)); p != "" {
		return "", p
	}
	return s, ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appointmentLayouts are the ways exports write an appointment time:
// ISO 8601 (with or without an offset) and the CIS day.month.year.
var appointmentLayouts = []string{
	"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05",
	"02.01.2006 15:04", "02.01.2006 15:04:05", "2.1.2006 15:04",
}

// appointment parses an appointment time; one without an offset is in the
// contact's zone, else the campaign's.
func (rc *rowChecker) appointment(raw, zone string) (time.Time, string) {
	s := strings.TrimSpace(raw)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), ""
	}
	if zone == "" {
		zone = rc.camp.TimeZone
	}
	loc, ok := rc.apptLoc[zone]
	if !ok {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil {
			loc = time.UTC
		}
		rc.apptLoc[zone] = loc
	}
	for _, layout := range appointmentLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), ""
		}
	}
	return time.Time{}, fmt.Sprintf("%q is not a date and time (use 2027-03-23 10:30 or 23.03.2027 10:30)", raw)
}

// importColumnCount is the number of values one inserted row binds.
const importColumnCount = 17

// insertContactsSQL is the multi-row INSERT of n contacts. SQLite treats
// $N as a named parameter and looks each one up in a list: quadratic in a
// 7,000-value statement, so it gets positional ?.
func insertContactsSQL(dialect sqldb.Dialect, n int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO contacts (campaign_id, phone, name, time_zone, state, attempts, next_due_at,
		created_at, language, external_id, phones_json, region, fields_json, appointment_at, appointment_place, updated_at,
		deadline_at, close_reason) VALUES `)
	for row := range n {
		if row > 0 {
			q.WriteString(", ")
		}
		if dialect == sqldb.SQLite {
			q.WriteString("(?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			continue
		}
		q.WriteString("(")
		for k := range importColumnCount {
			if k == 5 {
				q.WriteString("0, ") // attempts
			}
			fmt.Fprintf(&q, "$%d", row*importColumnCount+k+1)
			if k < importColumnCount-1 {
				q.WriteString(", ")
			}
		}
		q.WriteString(")")
	}
	return q.String()
}

// insertStmt returns the prepared INSERT of n rows. A full batch is the
// common size, so preparing it once saves SQLite from parsing a
// 500-row statement per batch (an eighth of an import's time).
func (im *importer) insertStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := im.stmts[n]; ok {
		return st, nil
	}
	st, err := im.store.db.PrepareContext(ctx, insertContactsSQL(im.store.db.Dialect, n))
	if err != nil {
		return nil, err
	}
	if n == im.opt.BatchSize {
		im.stmts[n] = st // other sizes are rare: the last batch, or one with updates
	}
	return st, nil
}

// close releases the prepared statements.
func (im *importer) close() {
	for _, st := range im.stmts {
		st.Close()
	}
}

// flushFull writes the pending rows in batches of exactly BatchSize,
// keeping the remainder pending.
func (im *importer) flushFull(ctx context.Context) error {
	for len(im.pending) >= im.opt.BatchSize {
		rest := im.pending[im.opt.BatchSize:]
		im.pending = im.pending[:im.opt.BatchSize]
		if err := im.flush(ctx); err != nil {
			return err
		}
		im.pending = append(im.pending[:0], rest...)
	}
	return nil
}

// flush writes the pending rows in one transaction: new contacts in one
// multi-row INSERT (one statement per batch is what makes a million rows
// fit in seconds), updates one by one.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	tx, err := im.store.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import contacts: %w", err)
	}
	defer tx.Rollback()
	args := make([]any, 0, len(im.pending)*importColumnCount)
	inserts, updates := 0, 0
	nowMS := ms(im.now)
	for _, p := range im.pending {
		phonesJSON, fieldsJSON := encodeList(p.phones), encodeFields(p.fields)
		var appt any
		if p.apptAt != nil {
			appt = ms(*p.apptAt)
		}
		if p.update != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE contacts SET phone = $1, name = $2, time_zone = $3, language = $4,
				phones_json = $5, region = $6, fields_json = $7, appointment_at = $8, appointment_place = $9, updated_at = $10
				WHERE id = $11`, p.phones[0], p.name, p.timeZone, p.language, phonesJSON, p.region, fieldsJSON,
				appt, p.apptPlace, nowMS, p.update); err != nil {
				return fmt.Errorf("import contacts: update contact %d: %w", p.update, err)
			}
			updates++
			continue
		}
		state, due, deadline, reason := im.firstDue(p)
		args = append(args, im.camp.ID, p.phones[0], p.name, p.timeZone, string(state), due, nowMS, p.language,
			p.externalID, phonesJSON, p.region, fieldsJSON, appt, p.apptPlace, nowMS, deadline, reason)
		inserts++
	}
	if inserts > 0 {
		st, err := im.insertStmt(ctx, inserts)
		if err != nil {
			return fmt.Errorf("import contacts: insert %d contacts: %w", inserts, err)
		}
		if inserts != im.opt.BatchSize {
			defer st.Close()
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("import contacts: insert %d contacts: %w", inserts, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import contacts: commit: %w", err)
	}
	im.report.Loaded += inserts
	im.report.Updated += updates
	im.pending = im.pending[:0]
	if im.opt.Progress != nil {
		im.opt.Progress(im.report.ImportProgress)
	}
	return nil
}

// firstDue is a new contact's state, due time, deadline and close reason
// under the campaign's schedule (schedule.go): a reminder already inside
// its cut-off is loaded closed, never dialed.
func (im *importer) firstDue(p importRow) (ContactState, any, any, string) {
	due, deadline, err := im.camp.FirstDue(Contact{AppointmentAt: p.apptAt}, im.now)
	if err != nil { // checked per row already; keep the row callable now
		return ContactScheduled, ms(im.now), nil, ""
	}
	if Expired(due, deadline) {
		return ContactDone, nil, nullMS(deadline), im.camp.expiryReason()
	}
	return ContactScheduled, ms(due), nullMS(deadline), ""
}

// encodeList stores a contact's numbers; one number is stored as "" (the
// phone column says it all).
func encodeList(phones []string) string {
	if len(phones) <= 1 {
		return ""
	}
	b, _ := json.Marshal(phones) // strings always marshal
	return string(b)
}

// encodeFields stores custom fields with sorted keys, so equal contacts
// are stored equally.
func encodeFields(f map[string]string) string {
	if len(f) == 0 {
		return ""
	}
	b, _ := json.Marshal(f) // map keys are sorted by encoding/json
	return string(b)
}

// SaveColumnMap saves the column mapping a campaign's imports use.
func (s *Store) SaveColumnMap(ctx context.Context, campaignID int64, m ColumnMap) error {
	if err := m.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("save column map: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET column_map_json = $1 WHERE id = $2`, string(b), campaignID)
	if err != nil {
		return fmt.Errorf("save column map of campaign %d: %w", campaignID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("campaign %d: %w", campaignID, ErrNotFound)
	}
	return nil
}

// ColumnMapOf returns a campaign's saved column mapping (empty when none).
func (s *Store) ColumnMapOf(ctx context.Context, campaignID int64) (ColumnMap, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT column_map_json FROM campaigns WHERE id = $1`, campaignID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("campaign %d: %w", campaignID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("column map of campaign %d: %w", campaignID, err)
	}
	m := ColumnMap{}
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("column map of campaign %d: %w", campaignID, err)
	}
	return m, nil
}
