// Package csvcell writes CSV that a spreadsheet opens as text, not as
// formulas: a cell starting with =, +, -, @, tab or CR is prefixed with a
// single quote (OWASP's "CSV injection" rule), so a contact named
// =HYPERLINK(…) or +cmd|' /C calc'!A0 shows as typed and runs nothing.
// Plain numbers (+998901234567, -5) are left alone: a spreadsheet reads
// them as numbers, which is no formula, and phone columns stay usable.
package csvcell

import (
	"encoding/csv"
	"io"
)

// Writer is a csv.Writer that escapes every cell it writes.
type Writer struct {
	*csv.Writer
	row []string
}

// NewWriter writes escaped CSV to w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, each cell escaped.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for _, c := range record {
		w.row = append(w.row, Escape(c))
	}
	return w.Writer.Write(w.row)
}

// Escape returns the cell as a spreadsheet should show it.
func Escape(cell string) string {
	if cell == "" || !trigger(cell[0]) || number(cell) {
		return cell
	}
	return "'" + cell
}

// Unescape undoes Escape, so an exported file imports back as it was.
func Unescape(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && trigger(cell[1]) && !number(cell[1:]) {
		return cell[1:]
	}
	return cell
}

func trigger(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// number reports whether s is a sign and digits only.
func number(s string) bool {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
