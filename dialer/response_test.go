package dialer

import (
	"testing"

	"github.com/alo-dialer/alo/campaigns"
)

func TestOutcomeForResponse(t *testing.T) {
	tests := []struct {
		code      int
		cancelled bool
		want      campaigns.Outcome
	}{
		{486, false, campaigns.OutcomeBusy},
		{600, false, campaigns.OutcomeBusy},
		{480, false, campaigns.OutcomeNoAnswer},
		{408, false, campaigns.OutcomeNoAnswer},
		{487, true, campaigns.OutcomeNoAnswer},
		{487, false, campaigns.OutcomeFailed},
		{404, false, campaigns.OutcomeInvalidNumber},
		{484, false, campaigns.OutcomeInvalidNumber},
		{604, false, campaigns.OutcomeInvalidNumber},
		{410, false, campaigns.OutcomeInvalidNumber},
		{603, false, campaigns.OutcomeDeclined},
		{500, false, campaigns.OutcomeCongestion},
		{502, false, campaigns.OutcomeCongestion},
		{503, false, campaigns.OutcomeCongestion},
		{0, false, campaigns.OutcomeCongestion},
		{488, false, campaigns.OutcomeFailed},
		{403, false, campaigns.OutcomeFailed},
		{401, false, campaigns.OutcomeFailed},
		{699, false, campaigns.OutcomeFailed},
	}
	for _, tt := range tests {
		if got := OutcomeForResponse(tt.code, tt.cancelled); got != tt.want {
			t.Errorf("OutcomeForResponse(%d, cancelled=%v) = %s, want %s", tt.code, tt.cancelled, got, tt.want)
		}
		if !OutcomeForResponse(tt.code, tt.cancelled).Valid() {
			t.Errorf("code %d maps to an outcome outside the vocabulary", tt.code)
		}
	}
}
