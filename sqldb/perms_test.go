package sqldb

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSQLiteFilesPrivate: alo.db, its WAL and shared-memory files and the
// data dir are readable by alo's user only, for a new database and for one
// left world-readable by an older alo.
func TestSQLiteFilesPrivate(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(map[bool]string{false: "new", true: "existing 0644"}[existing], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if existing {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "alo.db"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			db, err := Open(ctx, "", dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"alo.db", "alo.db-wal", "alo.db-shm"} {
				st, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if m := st.Mode().Perm(); m&0o077 != 0 {
					t.Errorf("%s is %v, want no access for group or others", name, m)
				}
			}
			if !existing {
				if st, _ := os.Stat(dir); st.Mode().Perm()&0o077 != 0 {
					t.Errorf("data dir is %v, want 0700", st.Mode().Perm())
				}
			}
		})
	}
}
