package main

import (
	"fmt"
	"runtime/debug"

	"github.com/alo-dialer/alo/web"
)

// versionInfo reads what the Go toolchain recorded in the binary: the
// module's version ("(devel)" for a build from a work tree), the commit
// and whether the tree had uncommitted changes, and the Go version.
func versionInfo() web.VersionInfo {
	v := web.VersionInfo{Version: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version, v.GoVersion = bi.Main.Version, bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// buildVersion is `alo version`'s line.
func buildVersion() string {
	v := versionInfo()
	commit := v.Commit
	switch {
	case commit == "":
		commit = "unknown commit"
	case v.Modified:
		commit += " (with uncommitted changes)"
	}
	return fmt.Sprintf("alo %s, commit %s, built with %s", v.Version, commit, v.GoVersion)
}
