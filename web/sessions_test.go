package web

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// sessionUser creates a user for session tests.
func sessionUser(t *testing.T, users *Users, name string, role Role, agentID int64) User {
	t.Helper()
	u, _, err := users.Create(context.Background(), NewUser{Name: name, Role: role, AgentID: agentID, Password: "a long password", ClientIDs: []int64{3, 1}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func lastSeen(t *testing.T, db *sqldb.DB, userID int64) time.Time {
	t.Helper()
	var ms int64
	if err := db.QueryRowContext(context.Background(), `SELECT last_seen_at FROM sessions WHERE user_id = $1`, userID).Scan(&ms); err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(ms).UTC()
}

func TestSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &testClock{now: testTime}
		users := NewUsers(db, clk.Now).WithPasswordParams(cheapParams)
		u := sessionUser(t, users, "dilnoza", RoleAgent, 7)
		s := NewSessions(db, users, clk.Now, SessionConfig{})
		if c := s.Config(); c.IdleTimeout != 30*time.Minute || c.MaxAge != 12*time.Hour || c.TouchInterval != time.Minute {
			t.Fatalf("defaults %+v", c)
		}

		tok, sess, err := s.Create(ctx, u.ID, "192.0.2.7")
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 43 || !sess.ExpiresAt.Equal(testTime.Add(12*time.Hour)) {
			t.Fatalf("token %q session %+v", tok, sess)
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT id_hash FROM sessions`).Scan(&stored); err != nil || strings.Contains(stored, tok) || len(stored) != 64 {
			t.Fatalf("stored %q %v", stored, err)
		}
		got, _, err := s.Authenticate(ctx, tok)
		if err != nil || got.ID != u.ID || got.AgentID != 7 || len(got.ClientIDs) != 2 || got.ClientIDs[0] != 1 {
			t.Fatalf("authenticated %+v %v", got, err)
		}

		t.Run("touch at most once a minute", func(t *testing.T) {
			clk.Add(59 * time.Second)
			if _, _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if ls := lastSeen(t, db, u.ID); !ls.Equal(testTime) {
				t.Fatalf("touched after 59 s: %v", ls)
			}
			clk.Add(time.Second)
			if _, _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if ls := lastSeen(t, db, u.ID); !ls.Equal(testTime.Add(time.Minute)) {
				t.Fatalf("not touched after 60 s: %v", ls)
			}
		})
		t.Run("idle", func(t *testing.T) {
			clk.Add(29 * time.Minute)
			if _, _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("29 min idle: %v", err)
			}
			clk.Add(30 * time.Minute)
			if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrSessionExpired) || !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("30 min idle: %v", err)
			}
			if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("after expiry: %v", err)
			}
		})
		t.Run("a working agent is never idled out, but the day ends", func(t *testing.T) {
			clk.Set(testTime)
			ready := map[int64]bool{7: true}
			ps := NewSessions(db, users, clk.Now, SessionConfig{Pinner: PinAgents(func(id int64) bool { return ready[id] })})
			tok, _, err := ps.Create(ctx, u.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			clk.Add(3 * time.Hour)
			if _, _, err := ps.Authenticate(ctx, tok); err != nil {
				t.Fatalf("pinned after 3 h idle: %v", err)
			}
			clk.Add(3 * time.Hour)
			if n, err := ps.Sweep(ctx); err != nil || n != 0 {
				t.Fatalf("sweep of a pinned session: %d %v", n, err)
			}
			ready[7] = false
			clk.Add(31 * time.Minute)
			if _, _, err := ps.Authenticate(ctx, tok); !errors.Is(err, ErrSessionExpired) {
				t.Fatalf("unpinned and idle: %v", err)
			}
			ready[7] = true
			tok, _, _ = ps.Create(ctx, u.ID, "")
			clk.Add(12 * time.Hour)
			if _, _, err := ps.Authenticate(ctx, tok); !errors.Is(err, ErrSessionExpired) {
				t.Fatalf("pinned past the absolute limit: %v", err)
			}
		})
		t.Run("sign out, everywhere, others", func(t *testing.T) {
			clk.Set(testTime)
			a, _, _ := s.Create(ctx, u.ID, "")
			b, _, _ := s.Create(ctx, u.ID, "")
			c, _, _ := s.Create(ctx, u.ID, "")
			if err := s.Delete(ctx, a); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Authenticate(ctx, a); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("signed-out session: %v", err)
			}
			if n, err := s.DeleteUser(ctx, u.ID, b); err != nil || n != 1 {
				t.Fatalf("sign out others: %d %v", n, err)
			}
			if _, _, err := s.Authenticate(ctx, b); err != nil {
				t.Fatalf("the kept session: %v", err)
			}
			if _, _, err := s.Authenticate(ctx, c); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("another session: %v", err)
			}
			if n, err := s.DeleteUser(ctx, u.ID, ""); err != nil || n != 1 {
				t.Fatalf("everywhere: %d %v", n, err)
			}
		})
		t.Run("a disabled user's session ends", func(t *testing.T) {
			tok, _, _ := s.Create(ctx, u.ID, "")
			off := true
			if _, err := users.Update(ctx, u.ID, UserChange{Disabled: &off}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("disabled: %v", err)
			}
		})
		t.Run("garbage", func(t *testing.T) {
			for _, bad := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 10000)} {
				if _, _, err := s.Authenticate(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
					t.Errorf("%.10q: %v", bad, err)
				}
			}
		})
	})
}

// TestSessionsSurviveRestart: a session is an SQL row, so a new process on
// the same database (here: the SQLite file opened again) knows it.
func TestSessionsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() (*sqldb.DB, *Users, *Sessions) {
		db, err := sqldb.Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
			t.Fatal(err)
		}
		users := NewUsers(db, func() time.Time { return testTime }).WithPasswordParams(cheapParams)
		return db, users, NewSessions(db, users, func() time.Time { return testTime.Add(10 * time.Minute) }, SessionConfig{})
	}
	db, users, s := open()
	u := sessionUser(t, users, "marina", RoleMarketer, 0)
	tok, _, err := s.Create(ctx, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db2, _, s2 := open()
	defer db2.Close()
	got, _, err := s2.Authenticate(ctx, tok)
	if err != nil || got.ID != u.ID || got.Name != "marina" {
		t.Fatalf("after a restart: %+v %v", got, err)
	}
}

func TestSessionCookie(t *testing.T) {
	s := NewSessions(nil, nil, time.Now, SessionConfig{})
	plain := httptest.NewRequest("GET", "http://alo.local/", nil)
	overTLS := httptest.NewRequest("GET", "https://alo.local/", nil)
	overTLS.TLS = &tls.ConnectionState{}
	behindProxy := NewSessions(nil, nil, time.Now, SessionConfig{SecureCookie: true})
	cases := []struct {
		name   string
		c      *http.Cookie
		secure bool
	}{
		{"plain HTTP", s.Cookie(plain, "tok"), false},
		{"TLS", s.Cookie(overTLS, "tok"), true},
		{"behind a TLS proxy", behindProxy.Cookie(plain, "tok"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.c.Name != "alo_session" || c.c.Value != "tok" || c.c.Path != "/" || !c.c.HttpOnly ||
				c.c.SameSite != http.SameSiteLaxMode || c.c.Secure != c.secure {
				t.Fatalf("cookie %+v", c.c)
			}
			line := c.c.String()
			if !strings.Contains(line, "HttpOnly") || !strings.Contains(line, "SameSite=Lax") {
				t.Fatalf("Set-Cookie %q", line)
			}
		})
	}
	if c := s.ClearCookie(plain); c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("clear %+v", c)
	}
}
