package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// invalidUTF8 checks a JSON body's text. encoding/json would quietly turn
// bytes that are not UTF-8 into U+FFFD and store the result; alo refuses
// them instead, naming the field that holds them.
func invalidUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	return errFields(FieldError{Field: utf8Field(body, firstInvalid(body)), Reason: "is not valid UTF-8 text"})
}

// firstInvalid is the offset of the first byte that is not UTF-8.
func firstInvalid(b []byte) int64 {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return int64(i)
		}
		i += n
	}
	return int64(len(b))
}

// utf8Field walks body's tokens to the one holding offset off and returns
// its path ("name", "fields.note", "[2].name"); "body" if it is none.
func utf8Field(body []byte, off int64) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		array  bool
		index  int
		key    string
		wanted bool // an object expects a key next
	}
	var stack []level
	path := func(last string) string {
		var b []byte
		for _, l := range stack {
			if l.array {
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(l.index), 10)
				b = append(b, ']')
			} else if l.key != "" {
				if len(b) > 0 {
					b = append(b, '.')
				}
				b = append(b, l.key...)
			}
		}
		if last != "" {
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, last...)
		}
		if len(b) == 0 {
			return "body"
		}
		return string(b)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return path("")
		}
		var top *level
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isKey := top != nil && !top.array && top.wanted
		if dec.InputOffset() > off {
			if s, ok := tok.(string); ok && isKey {
				return path(s)
			}
			return path("")
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, level{array: t == '[', wanted: t == '{'})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if isKey {
				top.key, top.wanted = t, false
				continue
			}
		}
		// A value ended: the enclosing object wants a key, the array moves on.
		if len(stack) > 0 {
			if p := &stack[len(stack)-1]; p.array {
				p.index++
			} else {
				p.wanted = true
			}
		}
	}
}
