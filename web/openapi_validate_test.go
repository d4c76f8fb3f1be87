package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIResponsesValidate: the answer of every GET route that
// answers 200 with JSON in a seeded environment validates against the
// schema the document gives for it, so the document describes what the
// handlers really send (a route documented with the wrong type fails
// here, naming the route and the JSON path).
func TestOpenAPIResponsesValidate(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	doc := e.srv.openAPIDoc()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, rt := range e.srv.table {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodGet {
			continue
		}
		r := e.do(req{method: method, path: matrixPath(rt.pattern, false), bearer: e.tokens[RoleAdmin]})
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			continue
		}
		resp, _ := d.Paths[path]["get"]["responses"].(map[string]any)
		ok, _ := resp["200"].(map[string]any)
		content, _ := ok["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		if media == nil {
			t.Errorf("%s answers JSON but the document gives no JSON schema for 200", rt.pattern)
			continue
		}
		var body any
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatalf("%s: %v", rt.pattern, err)
		}
		v := schemaChecker{defs: d.Components.Schemas}
		v.check("$", media["schema"], body)
		for _, p := range v.problems {
			t.Errorf("%s: %s\n%.400s", rt.pattern, p, r.body)
		}
		checked++
	}
	t.Logf("%d GET routes answered JSON that validated", checked)
	if checked < 15 {
		t.Fatalf("only %d GET routes answered JSON to check", checked)
	}
}

// schemaChecker checks a JSON value against the subset of JSON Schema the
// document uses: type (one or a list), properties, required, items,
// additionalProperties, $ref.
type schemaChecker struct {
	defs     map[string]any
	problems []string
}

func (v *schemaChecker) check(at string, schema any, val any) {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		v.check(at, v.defs[strings.TrimPrefix(ref, "#/components/schemas/")], val)
		return
	}
	if types := typesOf(s["type"]); len(types) > 0 && !slices.Contains(types, jsonType(val)) &&
		!(jsonType(val) == "integer" && slices.Contains(types, "number")) {
		v.problems = append(v.problems, fmt.Sprintf("%s is %s, the document says %v", at, jsonType(val), types))
		return
	}
	switch x := val.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, req := range typesOf(s["required"]) {
			if _, ok := x[req]; !ok {
				v.problems = append(v.problems, fmt.Sprintf("%s lacks the required %q", at, req))
			}
		}
		for k, fv := range x {
			switch {
			case props[k] != nil:
				v.check(at+"."+k, props[k], fv)
			case s["additionalProperties"] != nil:
				v.check(at+"."+k, s["additionalProperties"], fv)
			case props != nil:
				v.problems = append(v.problems, fmt.Sprintf("%s.%s is not in the document", at, k))
			}
		}
	case []any:
		for i, it := range x {
			v.check(fmt.Sprintf("%s[%d]", at, i), s["items"], it)
		}
	}
}

func typesOf(t any) []string {
	switch x := t.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
