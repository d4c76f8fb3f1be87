package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// streamBody is head, then fill repeated until the body is n bytes long,
// generated as it is read (a test upload of hundreds of MB holds none).
type streamBody struct {
	head, fill string
	n, off     int64
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.off >= b.n {
		return 0, io.EOF
	}
	if rest := b.n - b.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	k := 0
	if b.off < int64(len(b.head)) {
		k = copy(p, b.head[b.off:])
	}
	for k < len(p) {
		i := (b.off + int64(k) - int64(len(b.head))) % int64(len(b.fill))
		k += copy(p[k:], b.fill[i:])
	}
	b.off += int64(k)
	return k, nil
}

// upload sends body (not buffered) as role and returns the status and
// error; size is the declared Content-Length (-1: chunked).
func upload(t *testing.T, a *testAPI, role Role, method, path, contentType string, body io.Reader, size int64) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+a.tokens[role])
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return rec.Code, e.Error
}

// TestUploadLimits: each upload route refuses a body over its documented
// limit with 413 (docs/api.md), and a row over the row bound with a 400
// naming its line, without reading the rest of the file.
func TestUploadLimits(t *testing.T) {
	e := newStoreEnv(t, RoleMarketer)
	a := e.api(t, ServerConfig{})
	a.call("POST", "/api/v1/clients", RoleMarketer, "application/json", `{"name":"Kaspi"}`).expect(t, http.StatusCreated, "")
	a.call("POST", "/api/v1/campaigns", RoleMarketer, "application/json", `{"name":"welcome","client_id":1,"default_region":"UZ"}`).
		expect(t, http.StatusCreated, "")
	ca, _, _ := complianceAPI(t, func() time.Time { return testTime })
	const registry = "/api/v1/compliance/registries/uz-test?downloaded_at=2026-11-20T00:00:00Z"
	tests := []struct {
		name   string
		api    *testAPI
		role   Role
		method string
		path   string
		body   *streamBody
		size   int64
		status int
		msg    string
	}{
		{"contacts CSV chunked over 100 MB", a, RoleMarketer, "POST", "/api/v1/campaigns/1/contacts",
			&streamBody{head: "phone\n", fill: strings.Repeat("9", 4000) + "\n", n: maxCSVBody + 1}, -1, http.StatusRequestEntityTooLarge, "larger than 104857600"},
		{"contacts CSV with a 50 MB field", a, RoleMarketer, "POST", "/api/v1/campaigns/1/contacts",
			&streamBody{head: "phone,name\n+998901234567,ok\n+998901234568,", fill: "x", n: 50 << 20}, -1, http.StatusBadRequest, "line 3: a row longer than 256 KiB"},
		{"background import declared over 1 GiB", a, RoleMarketer, "POST", "/api/v1/campaigns/1/contacts?async=true",
			&streamBody{head: "phone\n", fill: "\n", n: 10}, maxImportBody + 1, http.StatusRequestEntityTooLarge, "larger than 1073741824"},
		{"registry declared over 512 MB", ca, RoleCompliance, "PUT", registry,
			&streamBody{head: "number\n", fill: "\n", n: 10}, maxRegistryBody + 1, http.StatusRequestEntityTooLarge, "larger than 536870912"},
		{"registry chunked over 512 MB", ca, RoleCompliance, "PUT", registry,
			&streamBody{head: "number\n", fill: "1," + strings.Repeat("x", 4000) + "\n", n: maxRegistryBody + 1}, -1, http.StatusRequestEntityTooLarge, "larger than 536870912"},
		{"registry with a 100 MB line", ca, RoleCompliance, "PUT", registry,
			&streamBody{head: "number\n+998901000007\n", fill: "9", n: 100 << 20}, -1, http.StatusBadRequest, "line 3: a row longer than 4 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := upload(t, tt.api, tt.role, tt.method, tt.path, "text/csv", tt.body, tt.size)
			if status != tt.status || !strings.Contains(msg, tt.msg) {
				t.Fatalf("%d %q, want %d with %q", status, msg, tt.status, tt.msg)
			}
			if tt.status == http.StatusBadRequest && tt.body.off > 1<<20 {
				t.Fatalf("read %d bytes of the upload to refuse one long row", tt.body.off)
			}
		})
	}
}
