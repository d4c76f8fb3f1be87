package web

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	h1, err := HashPassword("correct horse battery", cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery", cheapParams)
	if !phc.MatchString(h1) || h1 == h2 {
		t.Fatalf("hashes %q %q: want PHC strings with their own salts", h1, h2)
	}
	if strings.Contains(h1, "correct horse") {
		t.Fatal("the hash holds the password")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}, {"correct horse battery ", false}} {
		ok, err := VerifyPassword(c.pw, h1)
		if err != nil || ok != c.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	// The default parameters are what the PHC string says.
	hd, err := HashPassword("x", DefaultPasswordParams)
	if err != nil || !strings.HasPrefix(hd, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default hash %q %v", hd, err)
	}
	if _, err := HashPassword("x", PasswordParams{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero params: %v", err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("correct horse battery", cheapParams)
	parts := strings.Split(good, "$")
	bad := []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=999999,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4],
		good + "$extra",
	}
	for _, h := range bad {
		ok, err := VerifyPassword("correct horse battery", h)
		if ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want ErrBadHash", h, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw, want string
	}{
		{"0123456789", ""},
		{"пароль-длинный", ""},
		{"short", "at least 10"},
		{"012345678", "at least 10"},
		{strings.Repeat("x", 257), "at most 256"},
		{"0123456789\n", "control"},
		{"0123456789\xff", "UTF-8"},
	}
	for _, c := range cases {
		err := ValidatePassword(c.pw)
		if c.want == "" && err != nil || c.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ValidatePassword(%q) = %v, want %q", c.pw, err, c.want)
		}
	}
}
