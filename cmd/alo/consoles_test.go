package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNodeZone(t *testing.T) {
	dir := t.TempDir()
	link := func(name, target string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tashkent := link("tashkent", "/usr/share/zoneinfo/Asia/Tashkent")
	odd := link("odd", "/somewhere/else")
	for _, tt := range []struct {
		name, tz, localtime, want string
	}{
		{"TZ wins", "Europe/Berlin", tashkent, "Europe/Berlin"},
		{"TZ with a colon", ":Asia/Almaty", tashkent, "Asia/Almaty"},
		{"the localtime link", "", tashkent, "Asia/Tashkent"},
		{"a bad TZ falls to the link", "Mars/Olympus", tashkent, "Asia/Tashkent"},
		{"a link outside zoneinfo", "", odd, "UTC"},
		{"no link", "", filepath.Join(dir, "missing"), "UTC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := nodeZone(tt.tz, tt.localtime).String(); got != tt.want {
				t.Errorf("nodeZone(%q, %s) = %q, want %q", tt.tz, tt.localtime, got, tt.want)
			}
		})
	}
}
