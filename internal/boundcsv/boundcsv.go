// Package boundcsv reads CSV as a stream with a bound on each record, so
// one huge field (a file that is not CSV, or an attack) cannot make the
// reader hold the whole upload in memory.
package boundcsv

import (
	"encoding/csv"
	"fmt"
	"io"
)

// readAhead is how far csv.Reader's own buffer may read beyond the record
// it is parsing (bufio's default size).
const readAhead = 4096

// TooLongError is a record past the bound; the reader cannot go on after it.
type TooLongError struct {
	Line  int // where the record starts
	Limit int // bytes
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("line %d: a row longer than %d KiB (is the file CSV?)", e.Line, e.Limit>>10)
}

// Reader is a csv.Reader (its settings are set on it as usual) whose Read
// fails with *TooLongError on a record of more than the bound. Blank lines
// before a record count towards it (csv.Reader skips them inside Read):
// a file with that many blank lines in a row is not one to import.
type Reader struct {
	*csv.Reader
	src  *limitReader
	max  int
	line int // the line after the last record read
}

// NewReader reads CSV from r, records up to maxRecord bytes each.
func NewReader(r io.Reader, maxRecord int) *Reader {
	src := &limitReader{r: r}
	return &Reader{Reader: csv.NewReader(src), src: src, max: maxRecord, line: 1}
}

// Read returns the next record, as csv.Reader.Read does.
func (r *Reader) Read() ([]string, error) {
	r.src.limit = r.InputOffset() + int64(r.max) + readAhead
	rec, err := r.Reader.Read()
	if r.src.over {
		return nil, &TooLongError{Line: r.line, Limit: r.max}
	}
	if err == nil {
		line, _ := r.FieldPos(len(rec) - 1)
		r.line = line + 1
	}
	return rec, err
}

// limitReader stops the stream at limit (an offset), saying so.
type limitReader struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		l.over = true
		return 0, io.ErrUnexpectedEOF
	}
	if rest := l.limit - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
