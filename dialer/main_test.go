package dialer

import (
	"os"
	"testing"

	"github.com/alo-dialer/alo/internal/testenv"
)

// TestMain stops the shared test servers (PostgreSQL, redis-server) that the
// store and registrar tests start.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
