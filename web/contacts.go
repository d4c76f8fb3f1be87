package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/alo-dialer/alo/campaigns"
)

// contactItem is one element of the JSON array POSTed to
// /api/v1/campaigns/{id}/contacts.
type contactItem = campaigns.ContactInput

// rejectedRow is one contact that was not added: Line for a CSV upload (the
// physical line its record starts on), Index for a JSON array (from 0).
type rejectedRow struct {
	Line   *int   `json:"line,omitempty"`
	Index  *int   `json:"index,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// addContactsResponse reports an upload: the good rows are added even when
// some are rejected; Error is set only when none could be added.
type addContactsResponse struct {
	Error string `json:"error,omitempty"`
	Added int    `json:"added"`
	// Updated counts CSV rows whose external_id matched a contact already
	// in the campaign; Duplicates counts rows repeating a number (they are
	// also listed in Rejected).
	Updated    int           `json:"updated,omitempty"`
	Duplicates int           `json:"duplicates,omitempty"`
	Rejected   []rejectedRow `json:"rejected"`
}

// asyncImportBytes is the upload size above which a CSV is imported in the
// background (202 and a job to poll) rather than inside the request.
const asyncImportBytes = 5 << 20

// maxContactsBody bounds a JSON batch of contacts: 50,000 contacts of a CRM
// with an external_id, two numbers and a few custom fields each are about
// 25 MB.
const maxContactsBody = 64 << 20

// maxImportBody bounds a background upload (a few million rows); it is
// spooled to disk and read one bounded row at a time.
const maxImportBody = 1 << 30

// importCSV streams a CSV upload into the campaign: in the request for
// small files, as a background job (?async=true or a large body) whose
// progress GET /api/v1/imports/{id} reports. ?region overrides the
// campaign's country for local numbers.
func (s *Server) importCSV(w http.ResponseWriter, r *http.Request, u User, camp campaigns.Campaign) error {
	region := r.URL.Query().Get("region")
	if r.URL.Query().Get("async") == "true" || r.ContentLength > asyncImportBytes {
		body, err := limitBody(w, r, maxImportBody)
		if err != nil {
			return err
		}
		if s.cfg.Imports == nil {
			return errStatus(http.StatusServiceUnavailable, "background imports are not configured on this node")
		}
		job, err := s.cfg.Imports.Start(r.Context(), camp.ID, body, region, u.Name)
		if err != nil {
			return err
		}
		w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", job.ID))
		writeJSON(w, http.StatusAccepted, job)
		return nil
	}
	body, err := limitBody(w, r, maxCSVBody)
	if err != nil {
		return err
	}
	rep, err := s.cfg.Campaigns.ImportContacts(r.Context(), camp.ID, body, campaigns.ImportOptions{Region: region})
	if err != nil {
		return err
	}
	resp := addContactsResponse{Added: rep.Loaded, Updated: rep.Updated, Duplicates: rep.Duplicates, Rejected: []rejectedRow{}}
	for _, e := range rep.Errors {
		line := e.Line
		resp.Rejected = append(resp.Rejected, rejectedRow{Line: &line, Field: e.Field, Reason: e.Reason})
	}
	if rep.Loaded+rep.Updated == 0 {
		resp.Error = "no contacts in the request"
		if rep.Rows > 0 {
			resp.Error = "no valid contacts: every row was rejected"
		}
		writeJSON(w, http.StatusBadRequest, resp)
		return nil
	}
	s.log.Info("contacts imported", "campaign", camp.ID, "added", rep.Loaded, "updated", rep.Updated,
		"duplicates", rep.Duplicates, "rejected", rep.Rejected, "user", u.Name)
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// getImport reports a background import: status, progress, and when done
// the report with every rejected row.
func (s *Server) getImport(w http.ResponseWriter, r *http.Request, _ User) error {
	if s.cfg.Imports == nil {
		return errStatus(http.StatusServiceUnavailable, "background imports are not configured on this node")
	}
	return serveByID(w, r, s.cfg.Imports.Get, nil)
}

// getColumnMap returns the header → field mapping a campaign's CSV
// imports use.
func (s *Server) getColumnMap(w http.ResponseWriter, r *http.Request, _ User) error {
	return serveByID(w, r, s.cfg.Campaigns.ColumnMapOf, nil)
}

// putColumnMap saves a campaign's column mapping ({"Mobile": "phone"}).
func (s *Server) putColumnMap(w http.ResponseWriter, r *http.Request, u User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, m campaigns.ColumnMap) (campaigns.ColumnMap, error) {
		if err := s.cfg.Campaigns.SaveColumnMap(ctx, id, m); err != nil {
			return nil, err
		}
		s.log.Info("column map saved", "campaign", id, "user", u.Name)
		return m, nil
	})
}

const acceptedContactTypes = "application/json (a contact {phone, name, …} or an array of them) or text/csv"

// addContacts loads contacts from a JSON array or a CSV file, normalising
// numbers with the campaign's default region. Rejected rows are listed
// with the reason; the rest are added in one transaction (invariant 6).
func (s *Server) addContacts(w http.ResponseWriter, r *http.Request, u User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be "+acceptedContactTypes)
	}
	camp, err := s.cfg.Campaigns.GetCampaign(r.Context(), id)
	if err != nil {
		return err
	}
	switch mt {
	case "application/json":
		return s.addContactItems(w, r, u, camp)
	case "text/csv":
		switch cs := strings.ToLower(params["charset"]); cs {
		case "", "utf-8", "us-ascii", "windows-1251", "cp1251":
			// The importer tells UTF-8 from Windows-1251 by itself.
		default:
			return errStatus(http.StatusUnsupportedMediaType, fmt.Sprintf("charset %s is not supported: send UTF-8 or Windows-1251", cs))
		}
		return s.importCSV(w, r, u, camp)
	default:
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be "+acceptedContactTypes)
	}
}

// addContactItems adds one contact (a JSON object) or a batch (an array);
// a contact whose external_id is already in the campaign is updated.
func (s *Server) addContactItems(w http.ResponseWriter, r *http.Request, u User, camp campaigns.Campaign) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxContactsBody))
	if err != nil {
		return fmt.Errorf("read contacts: %w", err) // *http.MaxBytesError: 413
	}
	// One contact (an object) or a batch (an array), strictly decoded: a
	// misspelt field must not be silently dropped.
	var items []contactItem
	var target any = &items
	var one contactItem
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '{' {
		target = &one
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errStatus(http.StatusBadRequest, "invalid JSON: unexpected data after the value")
	}
	if target == &one {
		items = []contactItem{one}
	}
	good, rejected := checkContactItems(items, camp.DefaultRegion)
	resp := addContactsResponse{Rejected: nonNil(rejected)}
	if len(good) == 0 {
		resp.Error = "no contacts in the request"
		if len(rejected) > 0 {
			resp.Error = "no valid contacts: every row was rejected"
		}
		writeJSON(w, http.StatusBadRequest, resp)
		return nil
	}
	res, err := s.cfg.Campaigns.UpsertContacts(r.Context(), camp.ID, good)
	if err != nil {
		return err
	}
	resp.Added, resp.Updated = len(res.Added), len(res.Updated)
	s.log.Info("contacts added", "campaign", camp.ID, "added", resp.Added, "updated", resp.Updated,
		"rejected", len(rejected), "user", u.Name)
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// checkContactItems normalises each item and rejects the bad ones by index,
// including a number or external_id already given earlier in the request.
func checkContactItems(items []contactItem, region string) ([]campaigns.NewContact, []rejectedRow) {
	good := make([]campaigns.NewContact, 0, len(items))
	var bad []rejectedRow
	seen := map[string]int{}
	seenExt := map[string]int{}
	reject := func(i int, field, reason string) {
		bad = append(bad, rejectedRow{Index: &i, Field: field, Reason: reason})
	}
	pn := campaigns.NewPhoneNormalizer()
	for i, it := range items {
		nc, field, reason := it.CheckWith(pn, region)
		if reason != "" {
			reject(i, field, reason)
			continue
		}
		if first, dup := seen[nc.Phone]; dup {
			reject(i, "phone", fmt.Sprintf("duplicate of index %d", first))
			continue
		}
		if first, dup := seenExt[nc.ExternalID]; dup && nc.ExternalID != "" {
			reject(i, "external_id", fmt.Sprintf("duplicate of index %d", first))
			continue
		}
		seen[nc.Phone] = i
		if nc.ExternalID != "" {
			seenExt[nc.ExternalID] = i
		}
		good = append(good, nc)
	}
	return good, bad
}
