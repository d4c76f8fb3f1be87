package testenv

import (
	"sync/atomic"
	"testing"
)

// The servers belong to the test binary, not to one test: the package keeps
// them so every test of the binary shares one server and Main can stop it.
var (
	mainRunning atomic.Bool // Main is running the tests
	redisSrv    redisServer
	pgSrv       postgresServer
)

// Main runs the tests and then stops the servers they started and removes
// their temp dirs. Call it from TestMain and pass its result to os.Exit.
func Main(m *testing.M) int {
	mainRunning.Store(true)
	defer pgSrv.stop()
	defer redisSrv.stop()
	return m.Run()
}

// requireMain fails t when the package's TestMain does not call Main: the
// server about to start would outlive the test binary.
func requireMain(t testing.TB, server string) {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatalf("testenv: %s needs TestMain to call testenv.Main, which stops the server after the tests", server)
	}
}
