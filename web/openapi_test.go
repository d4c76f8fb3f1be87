package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes: every route the server registers has an entry
// in apiOps (openapi_routes.go) and every entry is a registered route. A
// branch that adds a route adds its entry; the failure says which.
func TestOpenAPICoversRoutes(t *testing.T) {
	srv := NewServer(ServerConfig{})
	var registered []string
	for _, rt := range srv.table {
		registered = append(registered, rt.pattern)
		if _, ok := apiOps[rt.pattern]; !ok {
			t.Errorf("route %q is registered but not documented: add an apiOps entry for it in web/openapi_routes.go", rt.pattern)
		}
	}
	var documented []string
	for p := range apiOps {
		documented = append(documented, p)
	}
	sort.Strings(documented)
	for _, p := range documented {
		if !slices.Contains(registered, p) {
			t.Errorf("apiOps documents %q, which the server does not register: remove or rename its entry in web/openapi_routes.go", p)
		}
	}
}

// TestOpenAPIDocument: GET /api/v1/openapi.json needs no credentials and
// answers an OpenAPI 3.1 document with every route as a path operation,
// its path parameters declared, and every $ref resolving.
func TestOpenAPIDocument(t *testing.T) {
	srv := NewServer(ServerConfig{Version: VersionInfo{Version: "v1.2.3"}})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Info       map[string]any                       `json:"info"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	raw := rec.Body.Bytes()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info["version"] != "v1.2.3" {
		t.Fatalf("openapi %q info %v", doc.OpenAPI, doc.Info)
	}
	for _, rt := range srv.table {
		method, path, _ := strings.Cut(rt.pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s: no operation in the document", rt.pattern)
			continue
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			if !strings.Contains(mustJSON(t, op["parameters"]), `"name":"`+m[1]+`"`) {
				t.Errorf("%s: path parameter %s not declared", rt.pattern, m[1])
			}
		}
	}
	for _, ref := range refPattern.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("$ref %s does not resolve", ref[1])
		}
	}
	// The contacts route takes external_id and country, and answers its counts.
	body := mustJSON(t, doc.Components.Schemas["campaigns_ContactInput"])
	for _, f := range []string{"external_id", "country", "phone"} {
		if !strings.Contains(body, `"`+f+`"`) {
			t.Errorf("ContactInput schema lacks %s: %s", f, body)
		}
	}
}

// TestAPIDocMatchesOpenAPI: every route docs/api.md names (as `METHOD
// /path`, relative to /api/v1) is in the OpenAPI document, so the prose
// cannot describe a route that is gone or misspelt.
func TestAPIDocMatchesOpenAPI(t *testing.T) {
	b, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`(GET|POST|PUT|PATCH|DELETE) (/[^`?]*)").FindAllStringSubmatch(string(b), -1)
	if len(named) < 20 {
		t.Fatalf("docs/api.md names only %d routes", len(named))
	}
	for _, m := range named {
		path := strings.TrimSpace(m[2])
		if !strings.HasPrefix(path, "/api/v1") {
			path = "/api/v1" + path
		}
		if _, ok := apiOps[m[1]+" "+path]; !ok {
			t.Errorf("docs/api.md names %s %s, which the OpenAPI document does not have", m[1], path)
		}
	}
}
