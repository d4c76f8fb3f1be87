package boundcsv

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// repeatReader streams n copies of b without holding them.
type repeatReader struct {
	b    string
	n, i int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.i >= r.n {
		return 0, io.EOF
	}
	k := copy(p, r.b[r.off:])
	r.off += k
	if r.off == len(r.b) {
		r.off, r.i = 0, r.i+1
	}
	return k, nil
}

func TestBoundedRecords(t *testing.T) {
	tests := []struct {
		name     string
		in       io.Reader
		wantRows int
		wantLine int // of the too-long record; 0: none
	}{
		{"short rows", strings.NewReader("a,b\n1,2\n3,4\n"), 3, 0},
		{"row at the bound", strings.NewReader("a\n" + strings.Repeat("x", 1024) + "\n"), 2, 0},
		{"a 1 GiB field", io.MultiReader(strings.NewReader("phone\n+998901234567\n"), &repeatReader{b: strings.Repeat("x", 1<<20), n: 1 << 10}), 2, 3},
		{"a huge quoted field over many lines", io.MultiReader(strings.NewReader("a\n\""), &repeatReader{b: "xxxxxxx\n", n: 1 << 20}), 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.in, 1100)
			rows := 0
			for {
				_, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				var tl *TooLongError
				if errors.As(err, &tl) {
					if tl.Line != tt.wantLine {
						t.Fatalf("too long at line %d, want %d", tl.Line, tt.wantLine)
					}
					if r.src.n > 1100+2*readAhead+64 {
						t.Fatalf("read %d bytes to find a 1100-byte bound", r.src.n)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				rows++
			}
			if rows != tt.wantRows {
				t.Fatalf("%d rows, want %d", rows, tt.wantRows)
			}
		})
	}
}
