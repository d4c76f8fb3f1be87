package campaigns

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/csvcell"
)

// What an export holds.
const (
	ExportContacts = "contacts" // one row per contact, import columns first, then its result
	ExportAttempts = "attempts" // one row per attempt
)

// resultColumns follow the import columns in a contacts export; the
// importer ignores them, so an export loads back as the same contacts.
var resultColumns = []string{"contact_id", "contact_state", "attempts", "last_outcome", "next_due_at", "close_reason"}

// ExportCSV writes a campaign's contacts or attempts as CSV to w, streaming
// from SQL. bom prefixes the UTF-8 BOM Excel needs to read Cyrillic.
// Contacts carry the same column names the importer takes (phone, phone2…,
// name, language, time_zone, region, external_id, appointment_at,
// appointment_place, custom fields by name), then their result.
func (s *Store) ExportCSV(ctx context.Context, campaignID int64, what string, bom bool, w io.Writer) error {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if bom {
		if _, err := bw.Write(utf8BOM); err != nil {
			return err
		}
	}
	// Cells that would run as formulas in a spreadsheet are escaped.
	cw := csvcell.NewWriter(bw)
	var err error
	switch what {
	case ExportContacts, "", "results":
		err = s.exportContacts(ctx, campaignID, cw)
	case ExportAttempts:
		err = s.exportAttempts(ctx, campaignID, cw)
	default:
		return input.Invalidf("what", "%q is not contacts or attempts", what)
	}
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func formatMS(v sql.NullInt64) string {
	if !v.Valid {
		return ""
	}
	return time.UnixMilli(v.Int64).UTC().Format(time.RFC3339)
}

func (s *Store) exportContacts(ctx context.Context, campaignID int64, cw *csvcell.Writer) error {
	// First pass: the custom field names and the most numbers any contact
	// has, so every row has the same columns.
	rows, err := s.db.QueryContext(ctx, `SELECT id, phones_json, fields_json FROM contacts WHERE campaign_id = $1
		AND (phones_json <> '' OR fields_json <> '')`, campaignID)
	if err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	names := map[string]bool{}
	maxPhones := 1
	for rows.Next() {
		var id int64
		var phones, fields string
		if err := rows.Scan(&id, &phones, &fields); err != nil {
			rows.Close()
			return fmt.Errorf("export contacts: %w", err)
		}
		// A row that does not decode would fail the second pass anyway
		// (scanContact); say which one before any CSV is written.
		var list []string
		if phones != "" {
			if err := json.Unmarshal([]byte(phones), &list); err != nil {
				rows.Close()
				return fmt.Errorf("export contacts: contact %d: phones_json: %w", id, err)
			}
			maxPhones = max(maxPhones, len(list))
		}
		var f map[string]string
		if fields != "" {
			if err := json.Unmarshal([]byte(fields), &f); err != nil {
				rows.Close()
				return fmt.Errorf("export contacts: contact %d: fields_json: %w", id, err)
			}
			for k := range f {
				names[k] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	custom := make([]string, 0, len(names))
	for k := range names {
		custom = append(custom, k)
	}
	sort.Strings(custom)

	header := []string{FieldExternalID, FieldPhone}
	for i := 2; i <= maxPhones; i++ {
		header = append(header, FieldPhone+strconv.Itoa(i))
	}
	header = append(header, FieldName, FieldLanguage, FieldTimeZone, FieldRegion, FieldAppointmentAt, FieldAppointmentPlace)
	header = append(header, custom...)
	header = append(header, resultColumns...)
	if err := cw.Write(header); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE campaign_id = $1 ORDER BY id`, campaignID)
	if err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	defer rows.Close()
	rec := make([]string, 0, len(header))
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return fmt.Errorf("export contacts: %w", err)
		}
		phones := c.Phones
		if len(phones) == 0 {
			phones = []string{c.Phone}
		}
		rec = append(rec[:0], c.ExternalID)
		for i := 0; i < maxPhones; i++ {
			p := ""
			if i < len(phones) {
				p = phones[i]
			}
			rec = append(rec, p)
		}
		appt := ""
		if c.AppointmentAt != nil {
			appt = c.AppointmentAt.Format(time.RFC3339)
		}
		rec = append(rec, c.Name, c.Language, c.TimeZone, c.Region, appt, c.AppointmentPlace)
		for _, k := range custom {
			rec = append(rec, c.Fields[k])
		}
		due := ""
		if c.NextDueAt != nil {
			due = c.NextDueAt.Format(time.RFC3339)
		}
		rec = append(rec, strconv.FormatInt(c.ID, 10), string(c.State), strconv.Itoa(c.Attempts), string(c.LastOutcome), due, c.CloseReason)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) exportAttempts(ctx context.Context, campaignID int64, cw *csvcell.Writer) error {
	header := []string{"attempt_id", "contact_id", FieldExternalID, FieldPhone, "attempt", "outcome", "sip_code", "reason",
		"disposition", "disposition_notes", "agent_id", "call_id", "created_at", "answered_at", "bridged_at", "ended_at"}
	if err := cw.Write(header); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.contact_id, ct.external_id, a.phone, a.attempt_no, a.outcome, a.sip_code,
		a.reason, a.disposition, a.disposition_notes, a.agent_id, a.call_id, a.created_at, a.answered_at, a.bridged_at, a.ended_at
		FROM attempts a JOIN contacts ct ON ct.id = a.contact_id WHERE a.campaign_id = $1 ORDER BY a.id`, campaignID)
	if err != nil {
		return fmt.Errorf("export attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, contactID, agentID, created int64
		var ext, phone, outcome, reason, disp, notes, callID string
		var number, code int
		var answered, bridged, ended sql.NullInt64
		if err := rows.Scan(&id, &contactID, &ext, &phone, &number, &outcome, &code, &reason, &disp, &notes, &agentID,
			&callID, &created, &answered, &bridged, &ended); err != nil {
			return fmt.Errorf("export attempts: %w", err)
		}
		if err := cw.Write([]string{strconv.FormatInt(id, 10), strconv.FormatInt(contactID, 10), ext, phone,
			strconv.Itoa(number), outcome, strconv.Itoa(code), reason, disp, notes, strconv.FormatInt(agentID, 10), callID,
			formatMS(sql.NullInt64{Int64: created, Valid: true}), formatMS(answered), formatMS(bridged), formatMS(ended)}); err != nil {
			return err
		}
	}
	return rows.Err()
}
