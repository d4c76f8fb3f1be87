package campaigns

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// BenchmarkImportContacts loads a generated contacts file (1 M rows by
// default; ALO_IMPORT_ROWS changes it) into a fresh SQLite campaign per
// iteration: semicolons, a BOM, Uzbek numbers in four local spellings,
// Cyrillic names, a custom field. The target is 1 M rows in under
// 30 s on 2 cores (docs/benchmarks.md):
//
//	go test ./campaigns -run '^$' -bench BenchmarkImportContacts -benchtime 1x -count 3
func BenchmarkImportContacts(b *testing.B) {
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ALO_IMPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	file := contactsFile(rows)
	b.SetBytes(int64(len(file)))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		db := newMigratedSQLiteDB(b)
		s := NewStore(db, (&testClock{}).Now)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "bench", DefaultRegion: "UZ"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := s.ImportContacts(ctx, c.ID, bytes.NewReader(file), ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Loaded != rows {
			b.Fatalf("loaded %d of %d: %+v", rep.Loaded, rows, rep.Errors[:min(5, len(rep.Errors))])
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// contactsFile makes an n-row export as a CIS bank's Excel writes it.
func contactsFile(n int) []byte {
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	buf.WriteString("ФИО;Телефон;Язык;Филиал\r\n")
	spell := []string{"90 %03d %02d %02d", "+998 (90) %03d-%02d-%02d", "998-90-%03d-%02d-%02d", "90%03d%02d%02d"}
	names := []string{"Азиз Каримов", "Dilnoza Yusupova", "Иван Петров", "Айгүл Серікқызы"}
	for i := range n {
		// Seven digits after the operator code 90 (2 million apart per
		// spelling keeps numbers unique).
		d := i % 10_000_000
		num := fmt.Sprintf(spell[i%len(spell)], d/10000, d/100%100, d%100)
		fmt.Fprintf(&buf, "%s %d;%s;ru;Filial-%d\r\n", names[i%len(names)], i, num, i%50)
	}
	return buf.Bytes()
}
