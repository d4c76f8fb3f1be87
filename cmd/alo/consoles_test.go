package main

import (
	"errors"
	"testing"
)

// TestNodeZone: the node's zone goes to browsers by its IANA name.
func TestNodeZone(t *testing.T) {
	none := errors.New("none")
	tests := []struct {
		name, tz, link, file, want string
	}{
		{"TZ", "Asia/Tashkent", "/usr/share/zoneinfo/Etc/UTC", "Etc/UTC", "Asia/Tashkent"},
		{"TZ with a colon", ":Europe/Kyiv", "", "", "Europe/Kyiv"},
		{"localtime link", "", "/usr/share/zoneinfo/Asia/Almaty", "Etc/UTC", "Asia/Almaty"},
		{"etc timezone", "", "", "Asia/Baku\n", "Asia/Baku"},
		{"bad TZ falls through", "Mars/Olympus", "../usr/share/zoneinfo/Asia/Almaty", "", "Asia/Almaty"},
		{"nothing", "", "", "", "UTC"},
	}
	for _, tt := range tests {
		getenv := func(string) string { return tt.tz }
		readlink := func(string) (string, error) {
			if tt.link == "" {
				return "", none
			}
			return tt.link, nil
		}
		readFile := func(string) ([]byte, error) {
			if tt.file == "" {
				return nil, none
			}
			return []byte(tt.file), nil
		}
		if got := nodeZone(getenv, readlink, readFile).String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
