package ipmi_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no session keep-alive or exchange goroutine of
// go-ipmi outlives its call.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
