package sqldb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// dataFileMode is what alo's database files are kept at: they hold contacts,
// call records and hashed credentials, none of which other local users
// should read. SQLite gives the -wal and -shm files the database's mode.
const dataFileMode = 0o600

// restrictSQLite creates path at dataFileMode if it is missing and narrows
// the modes of an existing database and its WAL files (alo.db was 0644
// before), so a database is never readable by other users.
func restrictSQLite(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") || strings.Contains(path, "mode=memory") {
		return nil
	}
	path, _, _ = strings.Cut(path, "?")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, dataFileMode)
	if err != nil {
		return fmt.Errorf("database file %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, dataFileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database file %s: %w", p, err)
		}
	}
	return nil
}
