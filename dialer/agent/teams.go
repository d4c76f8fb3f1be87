package agent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// ErrConflict says a request clashes with what exists or with the agent's
// state (a second team of one name, pausing an agent who is logged out).
var ErrConflict = errors.New("conflict")

// MaxTeamName bounds a team's name, in characters.
const MaxTeamName = 100

// Team is a group of agents, as a supervisor's floor reads them.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	AgentIDs  []int64   `json:"agent_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// checkName trims a team's name and says what is wrong with it.
func checkName(field, raw string, maxLen int) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", input.Invalid(field, "required")
	case len([]rune(name)) > maxLen:
		return "", input.Invalidf(field, "longer than %d characters", maxLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", input.Invalid(field, "must not contain control characters")
	}
	return name, nil
}

// CreateTeam adds a team with no agents; a name already taken is
// ErrConflict.
func (a *Registry) CreateTeam(ctx context.Context, name string) (Team, error) {
	name, err := checkName("name", name, MaxTeamName)
	if err != nil {
		return Team{}, err
	}
	t := Team{Name: name, AgentIDs: []int64{}, CreatedAt: time.UnixMilli(a.cfg.Clock().UnixMilli()).UTC()}
	err = a.cfg.DB.QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id`,
		name, t.CreatedAt.UnixMilli()).Scan(&t.ID)
	if sqldb.IsUniqueViolation(err) {
		return Team{}, fmt.Errorf("a team named %q already exists: %w", name, ErrConflict)
	}
	if err != nil {
		return Team{}, fmt.Errorf("create team: %w", err)
	}
	return t, nil
}

// RenameTeam changes a team's name.
func (a *Registry) RenameTeam(ctx context.Context, id int64, name string) (Team, error) {
	name, err := checkName("name", name, MaxTeamName)
	if err != nil {
		return Team{}, err
	}
	res, err := a.cfg.DB.ExecContext(ctx, `UPDATE teams SET name = $1 WHERE id = $2`, name, id)
	if sqldb.IsUniqueViolation(err) {
		return Team{}, fmt.Errorf("a team named %q already exists: %w", name, ErrConflict)
	}
	if err != nil {
		return Team{}, fmt.Errorf("rename team %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Team{}, fmt.Errorf("team %d: %w", id, input.ErrNotFound)
	}
	return a.GetTeam(ctx, id)
}

// DeleteTeam removes a team; its agents stay, in their other teams.
func (a *Registry) DeleteTeam(ctx context.Context, id int64) error {
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete team %d: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM agent_teams WHERE team_id = $1`, id); err != nil {
		return fmt.Errorf("delete team %d: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete team %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("team %d: %w", id, input.ErrNotFound)
	}
	return tx.Commit()
}

// GetTeam returns one team with its agents.
func (a *Registry) GetTeam(ctx context.Context, id int64) (Team, error) {
	ts, err := a.teams(ctx, `WHERE id = $1`, id)
	if err != nil {
		return Team{}, err
	}
	if len(ts) == 0 {
		return Team{}, fmt.Errorf("team %d: %w", id, input.ErrNotFound)
	}
	return ts[0], nil
}

// ListTeams returns every team with its agents, by name.
func (a *Registry) ListTeams(ctx context.Context) ([]Team, error) {
	return a.teams(ctx, "")
}

func (a *Registry) teams(ctx context.Context, where string, args ...any) ([]Team, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT id, name, created_at FROM teams `+where+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	out := []Team{}
	for rows.Next() {
		t := Team{AgentIDs: []int64{}}
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("teams: %w", err)
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	members, err := a.memberships(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, m := range members {
			if m.team == out[i].ID {
				out[i].AgentIDs = append(out[i].AgentIDs, m.agent)
			}
		}
	}
	return out, nil
}

// membership is one agent in one team.
type membership struct{ agent, team int64 }

// memberships returns every agent's teams, by agent then team.
func (a *Registry) memberships(ctx context.Context) ([]membership, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT agent_id, team_id FROM agent_teams ORDER BY agent_id, team_id`)
	if err != nil {
		return nil, fmt.Errorf("agent teams: %w", err)
	}
	defer rows.Close()
	var out []membership
	for rows.Next() {
		var m membership
		if err := rows.Scan(&m.agent, &m.team); err != nil {
			return nil, fmt.Errorf("agent teams: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetAgentTeams replaces the teams agent id belongs to; every team id
// that does not exist is named (team_ids[i]) and nothing changes.
func (a *Registry) SetAgentTeams(ctx context.Context, id int64, teamIDs []int64) (Agent, error) {
	if _, _, err := a.load(ctx, id); err != nil {
		return Agent{}, err
	}
	ids := dedupe(teamIDs)
	var ps input.Problems
	for i, t := range teamIDs {
		var one int
		err := a.cfg.DB.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE id = $1`, t).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			ps.Addf(fmt.Sprintf("team_ids[%d]", i), "no team with id %d", t)
		} else if err != nil {
			return Agent{}, fmt.Errorf("agent %d teams: %w", id, err)
		}
	}
	if err := ps.Err(); err != nil {
		return Agent{}, err
	}
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return Agent{}, fmt.Errorf("agent %d teams: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM agent_teams WHERE agent_id = $1`, id); err != nil {
		return Agent{}, fmt.Errorf("agent %d teams: %w", id, err)
	}
	for _, t := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_teams (agent_id, team_id) VALUES ($1, $2)`, id, t); err != nil {
			return Agent{}, fmt.Errorf("agent %d teams: team %d: %w", id, t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Agent{}, fmt.Errorf("agent %d teams: %w", id, err)
	}
	return a.GetAgent(ctx, id)
}

// teamsOf returns the teams of agent id, in id order.
func (a *Registry) teamsOf(ctx context.Context, id int64) ([]int64, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT team_id FROM agent_teams WHERE agent_id = $1 ORDER BY team_id`, id)
	if err != nil {
		return nil, fmt.Errorf("agent %d teams: %w", id, err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("agent %d teams: %w", id, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
