package web

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func TestUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
		users := NewUsers(db, func() time.Time { return now })

		u, token, err := users.Add(ctx, " ops.admin@bank ", RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "ops.admin@bank" || u.Role != RoleAdmin || !u.CreatedAt.Equal(now.Truncate(time.Millisecond)) {
			t.Fatalf("user %+v", u)
		}
		if !strings.HasPrefix(token, "alo_") || len(token) != len("alo_")+43 {
			t.Fatalf("token %q: want alo_ and 43 base64url characters", token)
		}

		got, err := users.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("authenticated %+v, want %+v", got, u)
		}

		_, token2, err := users.Add(ctx, "Марина", RoleMarketer)
		if err != nil {
			t.Fatal(err)
		}
		if token2 == token {
			t.Fatal("two users got the same token")
		}
		if m, err := users.Authenticate(ctx, token2); err != nil || m.Role != RoleMarketer {
			t.Fatalf("marketer %+v, %v", m, err)
		}

		// The database holds no token, only hashes.
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT token_hash FROM users WHERE id = $1`, u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, token) || strings.Contains(stored, strings.TrimPrefix(token, "alo_")) || len(stored) != 64 {
			t.Fatalf("stored %q for token %q", stored, token)
		}

		for _, bad := range []string{"", "alo_", token + "x", strings.TrimPrefix(token, "alo_"), "alo_" + strings.Repeat("A", 43), strings.Repeat("x", 10000)} {
			if _, err := users.Authenticate(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("Authenticate(%.20q…) = %v, want ErrUnauthenticated", bad, err)
			} else if strings.Contains(err.Error(), bad) && bad != "" {
				t.Errorf("error %q echoes the token", err)
			}
		}

		if _, _, err := users.Add(ctx, "ops.admin@bank", RoleMarketer); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate name: %v, want ErrExists", err)
		}
	})
}

func TestUsersAddInvalid(t *testing.T) {
	users := NewUsers(openMigratedSQLite(t), time.Now)
	cases := []struct {
		name string
		user string
		role Role
		want string
	}{
		{"empty name", "  ", RoleAdmin, "must not be empty"},
		{"space inside", "ops admin", RoleAdmin, "only letters"},
		{"shell characters", "a;rm -rf", RoleAdmin, "only letters"},
		{"control character", "a\nb", RoleAdmin, "only letters"},
		{"too long", strings.Repeat("a", 65), RoleAdmin, "longer than 64"},
		{"unknown role", "bob", Role("root"), `role "root"`},
		{"empty role", "bob", Role(""), "want one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, tok, err := users.Add(context.Background(), c.user, c.role)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Add(%q, %q) = %v, want ErrInvalid containing %q", c.user, c.role, err, c.want)
			}
			if tok != "" {
				t.Fatal("a token was returned with an error")
			}
		})
	}
}

func TestRoleCanWrite(t *testing.T) {
	for _, r := range Roles {
		want := r == RoleAdmin || r == RoleMarketer
		if r.CanWrite() != want || !r.Valid() {
			t.Errorf("%s: CanWrite %v Valid %v", r, r.CanWrite(), r.Valid())
		}
	}
	if Role("root").Valid() || Role("root").CanWrite() {
		t.Error("unknown role accepted")
	}
}

func openMigratedSQLite(t *testing.T) *sqldb.DB {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}
