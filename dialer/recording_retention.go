package dialer

import (
	"context"

	"github.com/alo-dialer/alo/campaigns"
)

// CampaignLister lists every campaign; *campaigns.Store satisfies it.
type CampaignLister interface {
	ListCampaigns(ctx context.Context) ([]campaigns.Campaign, error)
}

// RecordingRetention reads each campaign's recording.retention_days for the
// recording sweeper (recording.Retentions).
type RecordingRetention struct{ Campaigns CampaignLister }

// RecordingRetention returns the days to keep recordings, by campaign id.
func (r RecordingRetention) RecordingRetention(ctx context.Context) (map[int64]int, error) {
	cs, err := r.Campaigns.ListCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	days := make(map[int64]int, len(cs))
	for _, c := range cs {
		days[c.ID] = c.Recording.RetentionDays
	}
	return days, nil
}
