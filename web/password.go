package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length bounds, in characters. The upper bound keeps hashing a
// request's body cheap to refuse; passphrases fit easily.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// PasswordParams are argon2id's costs. Stored hashes carry their own, so
// raising these later only affects new and changed passwords.
type PasswordParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultPasswordParams is OWASP's first argon2id configuration (19 MiB,
// two passes, one lane): tens of milliseconds on a server core, and small
// enough that a shift's worth of agents signing in at once (bounded by
// SignIn's hashing semaphore) does not exhaust memory.
var DefaultPasswordParams = PasswordParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Bounds on parameters read back from a stored hash: a damaged row must
// not make a sign-in allocate gigabytes or spin for minutes.
const (
	maxHashMemoryKiB = 1 << 20 // 1 GiB
	maxHashTime      = 64
	saltLength       = 16
	keyLength        = 32
)

// ErrBadHash is returned for a stored password hash that is not an
// argon2id PHC string alo can verify.
var ErrBadHash = errors.New("not an argon2id password hash")

// ValidatePassword checks a new password: 10 to 256 characters, valid
// UTF-8, no control characters (they cannot be typed into a sign-in form
// and usually mean a pasted line ending).
func ValidatePassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return fmt.Errorf("password: %w: not valid UTF-8", ErrInvalid)
	case n < MinPasswordLength:
		return fmt.Errorf("password: %w: at least %d characters", ErrInvalid, MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Errorf("password: %w: at most %d characters", ErrInvalid, MaxPasswordLength)
	case strings.IndexFunc(pw, unicode.IsControl) >= 0:
		return fmt.Errorf("password: %w: no control characters", ErrInvalid)
	}
	return nil
}

// HashPassword returns pw's argon2id hash as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string, p PasswordParams) (string, error) {
	if p.MemoryKiB < 8*uint32(max(p.Threads, 1)) || p.Time < 1 || p.Threads < 1 {
		return "", fmt.Errorf("hash password: %w: argon2id parameters m=%d t=%d p=%d", ErrInvalid, p.MemoryKiB, p.Time, p.Threads)
	}
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, keyLength)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string encoded, in
// constant time in the password's hash. A malformed hash is an error
// matching ErrBadHash, never a match.
func VerifyPassword(pw, encoded string) (bool, error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parsePHC reads $argon2id$v=19$m=..,t=..,p=..$salt$hash.
func parsePHC(s string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	var m, t, th uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 ||
		m < 8 || m > maxHashMemoryKiB || t < 1 || t > maxHashTime || th < 1 || th > 255 || m < 8*th {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	p = PasswordParams{MemoryKiB: uint32(m), Time: uint32(t), Threads: uint8(th)}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrBadHash)
	}
	return p, salt, key, nil
}
