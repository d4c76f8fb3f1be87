// Package testenv is the shared environment of alo's tests; it is for tests
// only and must not be imported by non-test code.
//
// It gives each test real backing services, as a deployment has them, but
// private to the test binary: a redis-server on a unix socket with a fresh
// logical database per test, a PostgreSQL server with a fresh database per
// test, and SQLite in the test's temp dir. The servers start on first use,
// so a package that never asks for one pays nothing, and Main stops them
// when the package's tests are done.
//
// A package using Redis or Postgres calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
package testenv
