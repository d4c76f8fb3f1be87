package web

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/alo-dialer/alo/campaigns"
)

// contactItem is one element of the JSON array POSTed to
// /api/v1/campaigns/{id}/contacts.
type contactItem struct {
	Phone    string `json:"phone"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

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
	Error    string        `json:"error,omitempty"`
	Added    int           `json:"added"`
	Rejected []rejectedRow `json:"rejected"`
}

const acceptedContactTypes = "application/json (an array of {phone, name, time_zone}) or text/csv"

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
	var good []campaigns.NewContact
	var rejected []rejectedRow
	switch mt {
	case "application/json":
		var items []contactItem
		if err := decodeJSON(w, r, &items); err != nil {
			return err
		}
		good, rejected = checkContactItems(items, camp.DefaultRegion)
	case "text/csv":
		if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
			return errStatus(http.StatusUnsupportedMediaType, fmt.Sprintf("charset %s is not supported: send UTF-8", cs))
		}
		var bad []campaigns.RowError
		good, bad, err = campaigns.ParseContactsCSV(http.MaxBytesReader(w, r.Body, maxCSVBody), camp.DefaultRegion)
		if err != nil {
			return err
		}
		for _, b := range bad {
			line := b.Line
			rejected = append(rejected, rejectedRow{Line: &line, Field: b.Field, Reason: b.Reason})
		}
	default:
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be "+acceptedContactTypes)
	}
	resp := addContactsResponse{Rejected: nonNil(rejected)}
	if len(good) == 0 {
		resp.Error = "no contacts in the request"
		if len(rejected) > 0 {
			resp.Error = "no valid contacts: every row was rejected"
		}
		writeJSON(w, http.StatusBadRequest, resp)
		return nil
	}
	added, err := s.cfg.Campaigns.AddContacts(r.Context(), id, good)
	if err != nil {
		return err
	}
	resp.Added = len(added)
	s.log.Info("contacts added", "campaign", id, "added", resp.Added, "rejected", len(rejected), "user", u.Name)
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// checkContactItems normalises each item and rejects the bad ones by index,
// including a number already given earlier in the same request.
func checkContactItems(items []contactItem, region string) ([]campaigns.NewContact, []rejectedRow) {
	good := make([]campaigns.NewContact, 0, len(items))
	var bad []rejectedRow
	seen := map[string]int{}
	reject := func(i int, field, reason string) {
		bad = append(bad, rejectedRow{Index: &i, Field: field, Reason: reason})
	}
	for i, it := range items {
		phone, err := campaigns.NormalizePhone(it.Phone, region)
		if err != nil {
			reject(i, "phone", err.Error())
			continue
		}
		name, reason := campaigns.CleanName(it.Name)
		if reason != "" {
			reject(i, "name", reason)
			continue
		}
		tz, reason := campaigns.CheckTimeZone(it.TimeZone)
		if reason != "" {
			reject(i, "time_zone", reason)
			continue
		}
		if first, dup := seen[phone]; dup {
			reject(i, "phone", fmt.Sprintf("duplicate of index %d", first))
			continue
		}
		seen[phone] = i
		good = append(good, campaigns.NewContact{Phone: phone, Name: name, TimeZone: tz})
	}
	return good, bad
}
