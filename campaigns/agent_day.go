package campaigns

import (
	"context"
	"fmt"
	"time"
)

// What an agent's console shows of their calls: a contact's earlier
// attempts in the screen pop, and the agent's day.

// ContactHistory returns a contact's attempts, newest first, at most limit
// (100 when limit is not in 1..1000).
func (s *Store) ContactHistory(ctx context.Context, contactID int64, limit int) ([]Attempt, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := s.queryAttempts(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE contact_id = $1 ORDER BY id DESC LIMIT $2`,
		contactID, limit)
	if err != nil {
		return nil, fmt.Errorf("history of contact %d: %w", contactID, err)
	}
	return out, nil
}

// AgentDay is an agent's work over a span of time, from SQL.
type AgentDay struct {
	// Calls are the attempts bridged to the agent in the span and Talk
	// their time bridged (of those that ended).
	Calls int
	Talk  time.Duration
	// Successes and CallbacksSet count the agent's calls disposed in the
	// span with a success or callback meaning.
	Successes    int
	CallbacksSet int
	// CallbacksDue counts the contacts with a callback promised to the
	// agent that wait to be called, due before the span ends.
	CallbacksDue int
}

// AgentDay counts agentID's calls, talk time and dispositions in [from,
// to), and the callbacks promised to them due before to.
func (s *Store) AgentDay(ctx context.Context, agentID int64, from, to time.Time) (AgentDay, error) {
	var d AgentDay
	var talkMS int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN ended_at IS NULL THEN 0 ELSE ended_at - bridged_at END), 0)
		FROM attempts WHERE agent_id = $1 AND bridged_at >= $2 AND bridged_at < $3`, agentID, ms(from), ms(to)).Scan(&d.Calls, &talkMS)
	if err != nil {
		return AgentDay{}, fmt.Errorf("day of agent %d: calls: %w", agentID, err)
	}
	d.Talk = time.Duration(talkMS) * time.Millisecond
	if d.Successes, d.CallbacksSet, err = s.agentDispositions(ctx, agentID, from, to); err != nil {
		return AgentDay{}, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE callback_agent_id = $1 AND priority >= $2
		AND state IN ('scheduled', 'queued') AND next_due_at < $3`, agentID, callbackPriority, ms(to)).Scan(&d.CallbacksDue)
	if err != nil {
		return AgentDay{}, fmt.Errorf("day of agent %d: callbacks due: %w", agentID, err)
	}
	return d, nil
}

// agentDispositions counts the agent's dispositions in [from, to) with a
// success or a callback meaning; meanings are the campaigns' own.
func (s *Store) agentDispositions(ctx context.Context, agentID int64, from, to time.Time) (successes, callbacks int, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT campaign_id, disposition, COUNT(*) FROM attempts
		WHERE agent_id = $1 AND disposition <> '' AND disposed_at >= $2 AND disposed_at < $3
		GROUP BY campaign_id, disposition`, agentID, ms(from), ms(to))
	if err != nil {
		return 0, 0, fmt.Errorf("day of agent %d: dispositions: %w", agentID, err)
	}
	type count struct {
		campaign int64
		code     string
		n        int
	}
	var counts []count
	for rows.Next() {
		var c count
		if err := rows.Scan(&c.campaign, &c.code, &c.n); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("day of agent %d: dispositions: %w", agentID, err)
		}
		counts = append(counts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("day of agent %d: dispositions: %w", agentID, err)
	}
	meanings := map[int64]map[string]Meaning{}
	for _, c := range counts {
		m, ok := meanings[c.campaign]
		if !ok {
			ds, err := s.Dispositions(ctx, c.campaign)
			if err != nil {
				return 0, 0, fmt.Errorf("day of agent %d: %w", agentID, err)
			}
			m = map[string]Meaning{}
			for _, d := range ds {
				m[d.Code] = d.Meaning
			}
			meanings[c.campaign] = m
		}
		switch m[c.code] {
		case MeaningSuccess:
			successes += c.n
		case MeaningCallback:
			callbacks += c.n
		}
	}
	return successes, callbacks, nil
}
