package audio

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// needTool returns the path of an audio tool (espeak-ng, sox) or skips the
// test when it is absent, unless ALO_REQUIRE_AUDIO=1 (as test.sh sets), which
// makes its absence a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("ALO_REQUIRE_AUDIO") == "1" {
		t.Fatalf("%s is not on PATH and ALO_REQUIRE_AUDIO=1 (apt-get install espeak-ng sox)", name)
	}
	t.Skipf("%s is not on PATH (apt-get install espeak-ng sox; ALO_REQUIRE_AUDIO=1 makes this a failure)", name)
	return ""
}

// run runs a tool and fails the test with its output if it fails.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(needTool(t, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
}

// loadWAV reads a WAV file the test made.
func loadWAV(t *testing.T, file string) []int16 {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadWAV(f, filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// speech makes an 8 kHz mono 16-bit clip of text spoken by espeak-ng with
// silence before and after (seconds), optionally mixed with white noise at
// the given amplitude (0 for none), and returns its samples.
func speech(t *testing.T, text string, voice string, before, after, noise float64) []int16 {
	t.Helper()
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.wav")
	out := filepath.Join(dir, "clip.wav")
	run(t, "espeak-ng", "-v", voice, "-s", "160", "-w", raw, text)
	run(t, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out,
		"pad", ftoa(before), ftoa(after))
	if noise > 0 {
		n := filepath.Join(dir, "noise.wav")
		mixed := filepath.Join(dir, "mixed.wav")
		d := float64(len(loadWAV(t, out))) / SampleRate
		run(t, "sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", n,
			"synth", ftoa(d), "whitenoise", "vol", ftoa(noise))
		run(t, "sox", "-m", out, n, "-b", "16", mixed)
		out = mixed
	}
	return loadWAV(t, out)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// mustRead reads a file the test made.
func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
