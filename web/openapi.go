package web

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// apiOp documents one route for the OpenAPI document: what it does, the
// JSON it takes and answers (Go values whose types are described by
// reflection: field names and types come from the json tags, so the
// document cannot drift from the code), and its success status.
type apiOp struct {
	Summary string
	// Request is the JSON body (nil: none). RequestType overrides its
	// media type (text/csv, multipart/form-data).
	Request     any
	RequestType string
	// Response is the success body (nil: none, or not JSON; see
	// ResponseType).
	Response     any
	ResponseType string
	Status       int
	// Query names the query parameters, each with its description.
	Query map[string]string
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPIDoc builds the OpenAPI 3.1 document of the routes registered on s
// that apiOps describes (the coverage test keeps the two equal).
func (s *Server) openAPIDoc() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range s.table {
		op, ok := apiOps[rt.pattern]
		if !ok {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = g.operation(rt, op, path)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "alo API", "version": s.cfg.Version.Version,
			"description": "alo's JSON API. Errors are {\"error\": sentence, \"fields\": [{\"field\", \"reason\"}]}; every POST takes an Idempotency-Key (at most 255 printable ASCII characters) or refuses it with 400. Roles per route: docs/roles.md."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
		},
	}
}

func (g *schemaGen) operation(rt routeRule, op apiOp, path string) map[string]any {
	out := map[string]any{"summary": op.Summary, "operationId": rt.pattern}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	keys := make([]string, 0, len(op.Query))
	for k := range op.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		params = append(params, map[string]any{"name": k, "in": "query", "description": op.Query[k], "schema": map[string]any{"type": "string"}})
	}
	if strings.HasPrefix(rt.pattern, "POST ") {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": maxIdempotencyKey}})
	}
	if params != nil {
		out["parameters"] = params
	}
	if !rt.rule.public {
		out["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
	}
	if op.Request != nil || op.RequestType != "" {
		ct := op.RequestType
		if ct == "" {
			ct = "application/json"
		}
		out["requestBody"] = map[string]any{"content": map[string]any{ct: map[string]any{"schema": g.schemaOf(op.Request)}}}
	}
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if op.Response != nil || op.ResponseType != "" {
		ct := op.ResponseType
		if ct == "" {
			ct = "application/json"
		}
		ok["content"] = map[string]any{ct: map[string]any{"schema": g.schemaOf(op.Response)}}
	}
	out["responses"] = map[string]any{
		statusKey(status): ok,
		"default":         map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": g.schemaOf(errorBody{})}}},
	}
	return out
}

func statusKey(code int) string { return strconv.Itoa(code) }

// schemaGen turns Go types into JSON Schema (OpenAPI 3.1 is JSON Schema
// 2020-12), named struct types into components.
type schemaGen struct {
	defs map[string]any
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
)

func (g *schemaGen) schemaOf(v any) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	return g.schema(reflect.TypeOf(v))
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t.Kind() == reflect.Pointer:
		s := g.schema(t.Elem())
		if typ, ok := s["type"].(string); ok {
			s["type"] = []any{typ, "null"}
		}
		return s
	case t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler),
		t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler):
		if t.Kind() == reflect.Struct {
			return map[string]any{"description": t.String() + ", in its own JSON form"}
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t == reflect.TypeFor[time.Duration]() {
			return map[string]any{"type": "integer", "description": "nanoseconds"}
		}
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		// A nil Go slice or map encodes as null.
		return map[string]any{"type": []any{"array", "null"}, "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		return g.structRef(t)
	}
	return map[string]any{}
}

// structRef describes a named struct once, in components, and refers to it.
func (g *schemaGen) structRef(t reflect.Type) map[string]any {
	if t.Name() == "" {
		return g.structSchema(t)
	}
	name := strings.ReplaceAll(t.String(), ".", "_")
	if _, done := g.defs[name]; !done {
		g.defs[name] = map[string]any{} // a placeholder stops recursion
		g.defs[name] = g.structSchema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// fields adds t's JSON fields, flattening embedded structs as
// encoding/json does.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if strings.Contains(opts, "string") {
			s = map[string]any{"type": "string"}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

// openAPI serves the document.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ User) error {
	writeJSON(w, http.StatusOK, s.openAPIDoc())
	return nil
}

// refPattern finds the component names a document refers to.
var refPattern = regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`)
