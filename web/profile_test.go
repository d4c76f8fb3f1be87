package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestChangeProfile: every signed-in role sets its own language and zone,
// bad values are named field by field, absent fields stay, and nothing
// else of the profile can be changed this way.
func TestChangeProfile(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	patch := func(role Role, body string) response {
		return e.do(req{method: "PATCH", path: "/api/v1/session/profile", cookie: e.session(role), ct: "application/json", body: body})
	}
	for _, tc := range []struct {
		name, body   string
		status       int
		fields       []string
		lang, zone   string
		unchangedFor Role
	}{
		{"both", `{"language":"ru","time_zone":"Asia/Almaty"}`, 200, nil, "ru", "Asia/Almaty", RoleAgent},
		{"zone only", `{"time_zone":"Asia/Tashkent"}`, 200, nil, "ru", "Asia/Tashkent", RoleAgent},
		{"back to the defaults", `{"language":"","time_zone":""}`, 200, nil, "", "", RoleAgent},
		{"both wrong at once", `{"language":"russian!","time_zone":"Mars/Base"}`, 400, []string{"language", "time_zone"}, "", "", RoleAgent},
		{"not one's role", `{"role":"admin"}`, 400, []string{"role"}, "", "", RoleAgent},
		{"a supervisor too", `{"language":"kk"}`, 200, nil, "kk", "", RoleSupervisor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := patch(tc.unchangedFor, tc.body)
			r.expect(t, tc.status, "invalid request", tc.fields...)
			got, _, err := e.users.Get(t.Context(), e.user[tc.unchangedFor].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Language != tc.lang || got.TimeZone != tc.zone || got.Role != tc.unchangedFor {
				t.Fatalf("profile %+v, want language %q zone %q", got, tc.lang, tc.zone)
			}
		})
	}
	if !strings.Contains(e.logs.String(), `msg="profile changed" user=agent target=agent language_before=ru language=ru time_zone_before=Asia/Almaty time_zone=Asia/Tashkent`) {
		t.Fatalf("change not logged: %s", e.logs.String())
	}
}

// TestUsersAPISignInState: the admin's list says when each user last
// signed in and whose name is locked out, until when; unlocking clears it.
func TestUsersAPISignInState(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleMarketer, secretPassword)
	e.setPassword(RoleAgent, secretPassword)
	e.signInAs("marketer", secretPassword, "198.51.100.1").expect(t, http.StatusOK, "")
	for range 5 {
		e.signInAs("agent", "not the password", "203.0.113.10")
	}
	list := func() map[string]adminUser {
		t.Helper()
		var us []adminUser
		e.do(req{method: "GET", path: "/api/v1/users", bearer: e.tokens[RoleAdmin]}).decode(t, &us)
		out := map[string]adminUser{}
		for _, u := range us {
			out[u.Name] = u
		}
		return out
	}
	us := list()
	if at := us["marketer"].LastSignInAt; at == nil || !at.Equal(testTime) {
		t.Errorf("marketer last signed in %v, want %v", at, testTime)
	}
	if us["agent"].LastSignInAt != nil || us["admin"].LastSignInAt != nil {
		t.Errorf("never signed in: %v %v", us["agent"].LastSignInAt, us["admin"].LastSignInAt)
	}
	if until := us["agent"].LockedUntil; until == nil || !until.Equal(testTime.Add(15*time.Minute)) {
		t.Errorf("agent locked until %v, want 15 min after the fifth failure", until)
	}
	if us["marketer"].LockedUntil != nil {
		t.Errorf("marketer locked until %v", us["marketer"].LockedUntil)
	}
	var one adminUser
	e.do(req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d", e.user[RoleAgent].ID), bearer: e.tokens[RoleAdmin]}).decode(t, &one)
	if one.LockedUntil == nil {
		t.Errorf("GET /users/{id} does not say the lock-out: %+v", one)
	}

	e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/unlock", e.user[RoleAgent].ID), bearer: e.tokens[RoleAdmin]}).expect(t, http.StatusOK, "")
	if until := list()["agent"].LockedUntil; until != nil {
		t.Errorf("still locked until %v after unlocking", until)
	}
	// A lock-out that ran out is not shown.
	for range 5 {
		e.signInAs("agent", "not the password", "203.0.113.10")
	}
	e.clk.Add(15 * time.Minute)
	if until := list()["agent"].LockedUntil; until != nil {
		t.Errorf("an expired lock-out shown: %v", until)
	}
}
