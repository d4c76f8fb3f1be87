package registrar

import (
	"os"
	"testing"

	"github.com/alo-dialer/alo/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
