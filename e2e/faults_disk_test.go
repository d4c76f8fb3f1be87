package e2e

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmpfsSize bounds the data dir of the disk-full test: room for the SQLite
// database and its WAL, nothing of the machine's own disk.
const tmpfsSize = "48m"

// mountTmpfsDataDir moves the stack's data dir onto a tmpfs of tmpfsSize
// mounted at the same path (alo serve stopped meanwhile, started again on
// it). It skips unless root, and fails under ALO_REQUIRE_TMPFS=1.
func mountTmpfsDataDir(t *testing.T, st *stack) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("ALO_REQUIRE_TMPFS") == "1" {
			t.Fatal("mounting a tmpfs needs root and ALO_REQUIRE_TMPFS=1")
		}
		t.Skip("mounting a tmpfs for the data dir needs root (ALO_REQUIRE_TMPFS=1 makes this a failure)")
	}
	stopChild(t, "alo serve", st.serve.cmd, st.serve.exited, 20*time.Second)
	orig := st.dataDir + ".orig"
	if err := os.Rename(st.dataDir, orig); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(st.dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+tmpfsSize, "tmpfs", st.dataDir).CombinedOutput(); err != nil {
		if os.Getenv("ALO_REQUIRE_TMPFS") == "1" {
			t.Fatalf("mount tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	// Registered before the second alo serve, so it runs after its stop.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", st.dataDir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", st.dataDir, err, out)
		}
	})
	if out, err := exec.Command("cp", "-a", orig+"/.", st.dataDir).CombinedOutput(); err != nil {
		t.Fatalf("copy the data dir: %v %s", err, out)
	}
	st.serve = runServe(t, st.alo, st.tmp, "serve-tmpfs.log", st.env)
	st.api.log = st.serve.log
	st.api.awaitHealth(30 * time.Second)
}

// fillDisk writes zeros to path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatalf("fill %s: %v", path, err)
		}
	}
}

// TestFaultDataDirFull: the data dir (SQLite, the audit anchor) on a small
// tmpfs is filled mid-campaign, then freed. While full the node says why on
// /readyz and places no new call; the outcomes of the calls on the wire are
// kept and written when space returns; the audit latch clears by itself and
// the campaign finishes with no customer dialed twice.
func TestFaultDataDirFull(t *testing.T) {
	t.Parallel()
	st := startStack(t, "uas_keys.xml", "fault-disk", faultRTPPorts(4))
	mountTmpfsDataDir(t, st)
	fc := startFaultCampaign(t, st)
	done, dialing := fc.awaitInFlight(t)
	fill := filepath.Join(st.dataDir, "fill")
	fillDisk(t, fill)
	t.Logf("data dir filled with %d attempts done and %d dialing", done, dialing)
	var reason string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) { // polling alo
		var code int
		if code, reason = readyz(t, st); code == http.StatusServiceUnavailable && strings.Contains(reason, "data_dir") {
			break
		}
		if time.Now().After(deadline) {
			st.api.fatalf("/readyz did not report the full data dir: %d %q", code, reason)
		}
	}
	// A claim decided just before the probe saw the disk full may still go
	// out: count from a second later.
	time.Sleep(1500 * time.Millisecond) // letting such a claim land
	carrier := filepath.Join(st.tmp, "carrier_messages.log")
	before := sumInvites(carrierInvites(t, carrier))
	time.Sleep(5 * time.Second) // the disk stays full for a while
	during := sumInvites(carrierInvites(t, carrier)) - before
	if during > 0 {
		t.Errorf("%d INVITEs went out while the data dir was full", during)
	}
	if err := os.Remove(fill); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) { // polling alo
		if code, _ := readyz(t, st); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			_, why := readyz(t, st)
			st.api.fatalf("not ready 30 s after space was freed: %s", why)
		}
	}
	cs := fc.awaitFinished(t, 3*time.Minute)
	r := fc.check(t, cs)
	if r.unknown > 0 {
		t.Errorf("%d attempts ended unknown: outcomes were lost while the disk was full", r.unknown)
	}
	kept := 0
	if lines := st.serve.log.grep(200, "outcome written after storage came back"); lines != "" {
		kept = strings.Count(lines, "\n") + 1
	}
	t.Logf("disk full (%q): %d INVITEs while full, %d outcomes kept and written later; %d contacts done, %d attempts, %d INVITEs, %d unknown, %d dialed twice",
		reason, during, kept, r.contacts, r.attempts, r.invites, r.unknown, r.redialled)
	if t.Failed() {
		t.Logf("warnings and errors:\n%s", st.serve.log.grep(60, "level=WARN", "level=ERROR"))
	}
}

func sumInvites(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
