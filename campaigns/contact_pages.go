package campaigns

import (
	"context"
	"fmt"
)

// ContactsAfter returns up to limit of a campaign's contacts with ids
// above afterID, in id order: the pages of a cursor (stable while
// contacts are added, unlike an offset).
func (s *Store) ContactsAfter(ctx context.Context, campaignID, afterID int64, limit int) ([]Contact, error) {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	limit, _ = page(limit, 0)
	rows, err := s.db.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3`, campaignID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list contacts of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts of campaign %d: %w", campaignID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
