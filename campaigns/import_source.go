package campaigns

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/alo-dialer/alo/internal/boundcsv"
)

// Encodings an import file may be in. CIS contact-centre exports come out
// of Excel as "CSV UTF-8" (with a BOM) or, from older 1C and Excel
// installations, as Windows-1251; the importer reads both.
const (
	EncodingUTF8        = "utf-8"
	EncodingWindows1251 = "windows-1251"
)

// sniffSize is how much of a file is examined to tell its encoding and
// separator; the header line must fit in it.
const sniffSize = 64 << 10

// MaxImportRow bounds one row of an import file (and so each field), so a
// file that is not CSV cannot make the importer hold it whole in memory.
const MaxImportRow = 256 << 10

// csvSource is an import file opened for streaming: its encoding and
// separator told from the first block, and a CSV reader over the decoded
// text. Decoding keeps line breaks where they were, so the reader's line
// numbers are the file's physical lines.
type csvSource struct {
	encoding  string
	separator rune
	reader    *boundcsv.Reader
	counter   *countingReader
}

// countingReader counts the bytes read from the file (before decoding) so a
// progress bar can show how far through it an import is.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openCSV detects the encoding (a UTF-8 BOM, else valid UTF-8 in the first
// block, else Windows-1251) and the separator of r, and returns a CSV
// reader positioned on the header row.
func openCSV(r io.Reader) (*csvSource, error) {
	counter := &countingReader{r: r}
	raw := bufio.NewReaderSize(counter, sniffSize)
	head, err := raw.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("contacts csv: read: %w", err)
	}
	src := &csvSource{encoding: EncodingUTF8, counter: counter}
	var text io.Reader = raw
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		if _, err := raw.Discard(len(utf8BOM)); err != nil {
			return nil, fmt.Errorf("contacts csv: %w", err)
		}
		head = head[len(utf8BOM):]
	case !validUTF8Prefix(head, len(head) < sniffSize):
		// Not UTF-8: every byte is a character in Windows-1251, which is
		// what Russian-locale Excel and 1C write.
		src.encoding = EncodingWindows1251
		text = charmap.Windows1251.NewDecoder().Reader(raw)
		if head, err = charmap.Windows1251.NewDecoder().Bytes(head); err != nil {
			return nil, fmt.Errorf("contacts csv: decode windows-1251: %w", err)
		}
	}
	src.separator = separatorOf(head)
	cr := boundcsv.NewReader(text, MaxImportRow)
	cr.Comma = src.separator
	cr.FieldsPerRecord = -1 // checked per row, so a short row is a RowError, not the end
	cr.ReuseRecord = true
	src.reader = cr
	return src, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a character cut in
// two at the end of the block unless the block is the whole file.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

// separatorOf picks the separator that occurs most often, outside quotes,
// on the header line: comma, semicolon (what Excel writes in CIS locales)
// or tab. Comma wins ties and a header with one column.
func separatorOf(head []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		counts[c]++
	}
	sep := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[sep] {
			sep = c
		}
	}
	return rune(sep)
}
