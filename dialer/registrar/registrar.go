package registrar

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/alo-dialer/alo/dialer/siphdr"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// Domain is the host of an agent SIP URI that means "the phone registered
// to alo as this user" (sipua.RegistrarDomain).
const Domain = sipua.RegistrarDomain

// ErrNotRegistered says the agent's phone has no live registration.
var ErrNotRegistered = errors.New("phone not registered")

// Config holds the registrar's dependencies.
type Config struct {
	DB    *sqldb.DB
	Redis redis.UniversalClient
	Clock func() time.Time
	Log   *slog.Logger
	// Realm of the digest challenge (default "alo").
	Realm string
	// MinExpires and MaxExpires bound a registration's lifetime (default
	// 60 s and 3600 s); phones behind NAT should register more often.
	MinExpires, MaxExpires time.Duration
	// FailuresPerMinute and FailureBurst limit failed authentications per
	// source IP (default 6 and 10): past them the source is refused
	// without checking, so passwords cannot be guessed at line rate.
	FailuresPerMinute float64
	FailureBurst      int
}

// Locate is where user's phone is reached now (sipua.Registrar).
func (r *Registrar) Locate(ctx context.Context, user string) (sipua.Location, error) {
	b, err := r.Lookup(ctx, user)
	if err != nil {
		return sipua.Location{}, err
	}
	return sipua.Location{Contact: b.Contact, Source: b.Source, Transport: b.Transport}, nil
}

// Registrar answers REGISTER from agents' phones with per-agent digest
// credentials (RFC 3261 §10, RFC 2617 MD5) and keeps their location in
// Redis with the registration's expiry.
type Registrar struct {
	cfg    Config
	secret []byte // signs nonces, so they need no storage

	mu       sync.Mutex
	failures map[string]*rate.Limiter // by source IP
	watchers []chan string            // Registered's subscribers
	swept    time.Time
}

// Binding is where a registered phone is reached.
type Binding struct {
	User    string `json:"user"`
	AgentID int64  `json:"agent_id"`
	// Contact is the phone's Contact URI; Source the address (ip:port) its
	// REGISTER came from and Transport over what: behind NAT only the
	// source is reachable, over the same connection for TCP.
	Contact   string    `json:"contact"`
	Source    string    `json:"source"`
	Transport string    `json:"transport"`
	Expires   time.Time `json:"expires"`
}

// New returns the registrar; SIP.SetRegistrar puts it in service.
func New(cfg Config) (*Registrar, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Realm == "" {
		cfg.Realm = "alo"
	}
	if cfg.MinExpires <= 0 {
		cfg.MinExpires = 60 * time.Second
	}
	if cfg.MaxExpires <= 0 {
		cfg.MaxExpires = time.Hour
	}
	if cfg.FailuresPerMinute <= 0 {
		cfg.FailuresPerMinute = 6
	}
	if cfg.FailureBurst <= 0 {
		cfg.FailureBurst = 10
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("registrar nonce key: %w", err)
	}
	return &Registrar{cfg: cfg, secret: secret, failures: map[string]*rate.Limiter{}}, nil
}

// ha1 is MD5(user:realm:password), what RFC 2617 needs to check a response;
// it is stored instead of the password.
func ha1(user, realm, password string) string {
	h := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(h[:])
}

// SetCredentials gives an agent's phone a SIP user name and password. Only
// the digest hash is stored.
func (r *Registrar) SetCredentials(ctx context.Context, agentID int64, user, password string) error {
	var ps input.Problems
	if !siphdr.ValidUser(user) {
		ps.Addf("sip_user", "%q: SIP user characters only, up to 64", user)
	}
	if len(password) < 8 || siphdr.Check(password) != nil {
		ps.Add("password", "at least 8 characters, no CR, LF or NUL")
	}
	if err := ps.Err(); err != nil {
		return err
	}
	tx, err := r.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("agent %d sip account: %w", agentID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM agent_sip_accounts WHERE agent_id = $1`, agentID); err != nil {
		return fmt.Errorf("agent %d sip account: %w", agentID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO agent_sip_accounts (agent_id, username, ha1) VALUES ($1, $2, $3)`,
		agentID, user, ha1(user, r.cfg.Realm, password))
	if sqldb.IsUniqueViolation(err) {
		return input.Invalidf("sip_user", "%q already belongs to another agent", user)
	}
	if err != nil {
		return fmt.Errorf("agent %d sip account: %w", agentID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("agent %d sip account: %w", agentID, err)
	}
	return nil
}

func (r *Registrar) account(ctx context.Context, user string) (agentID int64, hash string, err error) {
	err = r.cfg.DB.QueryRowContext(ctx, `SELECT agent_id, ha1 FROM agent_sip_accounts WHERE username = $1`, user).Scan(&agentID, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", input.ErrNotFound
	}
	return agentID, hash, err
}

func BindingKey(user string) string { return "alo:dialer:reg:" + user }

// Lookup returns the live registration of a SIP user.
func (r *Registrar) Lookup(ctx context.Context, user string) (Binding, error) {
	v, err := r.cfg.Redis.Get(ctx, BindingKey(user)).Result()
	if errors.Is(err, redis.Nil) {
		return Binding{}, fmt.Errorf("sip user %s: %w", user, ErrNotRegistered)
	}
	if err != nil {
		return Binding{}, fmt.Errorf("sip user %s location: %w", user, err)
	}
	var b Binding
	if err := json.Unmarshal([]byte(v), &b); err != nil {
		return Binding{}, fmt.Errorf("sip user %s location: %w", user, err)
	}
	return b, nil
}

// nonce is "<unix seconds>.<hmac of it and the source IP>": checkable
// without storage, useless from another address, stale after 5 minutes.
func (r *Registrar) nonce(now time.Time, ip string) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, r.secret)
	m.Write([]byte(ts + "|" + ip))
	return ts + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

// nonceValid reports whether n is ours for ip, and whether it is stale.
func (r *Registrar) nonceValid(n string, now time.Time, ip string) (ok, stale bool) {
	ts, _, found := strings.Cut(n, ".")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !found || err != nil {
		return false, false
	}
	want := r.nonce(time.Unix(sec, 0), ip)
	if subtle.ConstantTimeCompare([]byte(want), []byte(n)) != 1 {
		return false, false
	}
	age := now.Sub(time.Unix(sec, 0))
	return true, age > 5*time.Minute || age < -time.Minute
}

// limited says whether ip has used up its failed attempts; failed takes one.
func (r *Registrar) limiter(ip string, now time.Time) *rate.Limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > 10*time.Minute {
		// Forget sources whose bucket has refilled: the map cannot grow
		// without bound under a scan from many addresses.
		for k, l := range r.failures {
			if l.TokensAt(now) >= float64(r.cfg.FailureBurst) {
				delete(r.failures, k)
			}
		}
		r.swept = now
	}
	l, ok := r.failures[ip]
	if !ok {
		l = rate.NewLimiter(rate.Limit(r.cfg.FailuresPerMinute/60), r.cfg.FailureBurst)
		r.failures[ip] = l
	}
	return l
}

// handle answers one REGISTER. Responses go back to the request's source
// (sipgo answers on the connection or address the request came from).
func (r *Registrar) Handle(req *sip.Request, tx sip.ServerTransaction) {
	now := r.cfg.Clock()
	src := req.Source()
	ip, _, err := net.SplitHostPort(src)
	if err != nil {
		ip = src
	}
	log := r.cfg.Log.With("source", src)
	reply := func(code int, reason string, hdrs ...sip.Header) {
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		for _, h := range hdrs {
			res.AppendHeader(h)
		}
		if err := tx.Respond(res); err != nil {
			log.Debug("respond register", "code", code, "err", err)
		}
	}
	lim := r.limiter(ip, now)
	if lim.TokensAt(now) < 1 {
		log.Warn("register refused: too many failed authentications from this source")
		reply(403, "Forbidden")
		return
	}
	fail := func(why string) {
		lim.AllowN(now, 1)
		log.Warn("register authentication failed", "reason", why)
	}
	challenge := func(stale bool) {
		c := digest.Challenge{Realm: r.cfg.Realm, Nonce: r.nonce(now, ip), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
		reply(401, "Unauthorized", sip.NewHeader("WWW-Authenticate", c.String()))
	}
	to := req.To()
	if to == nil || to.Address.User == "" {
		reply(400, "Bad Request")
		return
	}
	user := to.Address.User
	auth := req.GetHeader("Authorization")
	if auth == nil {
		challenge(false)
		return
	}
	cred, err := digest.ParseCredentials(auth.Value())
	if err != nil || cred.Username != user || cred.Realm != r.cfg.Realm {
		fail("malformed credentials or user mismatch")
		challenge(false)
		return
	}
	ok, stale := r.nonceValid(cred.Nonce, now, ip)
	if !ok {
		fail("nonce not ours")
		challenge(false)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	agentID, hash, err := r.account(ctx, user)
	if errors.Is(err, input.ErrNotFound) {
		fail("unknown user")
		reply(403, "Forbidden")
		return
	}
	if err != nil {
		log.Error("registrar account lookup", "err", err)
		reply(500, "Server Internal Error")
		return
	}
	if !digestResponseOK(cred, hash, string(req.Method)) {
		fail("wrong password")
		reply(403, "Forbidden")
		return
	}
	if stale {
		challenge(true)
		return
	}
	r.bind(ctx, req, user, agentID, now, log, reply)
}

// digestResponseOK checks an RFC 2617 response against the stored HA1.
func digestResponseOK(c *digest.Credentials, hash, method string) bool {
	h := func(s string) string { b := md5.Sum([]byte(s)); return hex.EncodeToString(b[:]) }
	if c.Algorithm != "" && !strings.EqualFold(c.Algorithm, "MD5") {
		return false
	}
	ha2 := h(method + ":" + c.URI)
	var want string
	switch c.QOP {
	case "":
		want = h(hash + ":" + c.Nonce + ":" + ha2)
	case "auth":
		want = h(fmt.Sprintf("%s:%s:%08x:%s:%s:%s", hash, c.Nonce, c.Nc, c.Cnonce, c.QOP, ha2))
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(c.Response))) == 1
}

// bind stores (or removes, with expires 0) the phone's location.
func (r *Registrar) bind(ctx context.Context, req *sip.Request, user string, agentID int64, now time.Time, log *slog.Logger, reply func(int, string, ...sip.Header)) {
	contact := req.Contact()
	expires := r.cfg.MaxExpires
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			expires = time.Duration(n) * time.Second
		}
	}
	if contact != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				expires = time.Duration(n) * time.Second
			}
		}
	}
	if contact == nil {
		// A query: answer with the current binding, if any.
		b, err := r.Lookup(ctx, user)
		if err != nil {
			reply(200, "OK")
			return
		}
		reply(200, "OK", sip.NewHeader("Contact", "<"+b.Contact+">;expires="+strconv.Itoa(int(b.Expires.Sub(now).Seconds()))))
		return
	}
	if expires == 0 || contact.Address.Wildcard {
		if err := r.cfg.Redis.Del(ctx, BindingKey(user)).Err(); err != nil {
			log.Error("registrar unbind", "err", err)
			reply(500, "Server Internal Error")
			return
		}
		log.Info("phone unregistered", "agent", agentID, "sip_user", user)
		reply(200, "OK")
		return
	}
	if expires < r.cfg.MinExpires {
		reply(423, "Interval Too Brief", sip.NewHeader("Min-Expires", strconv.Itoa(int(r.cfg.MinExpires.Seconds()))))
		return
	}
	expires = min(expires, r.cfg.MaxExpires)
	uri := contact.Address.String()
	if siphdr.Check(uri) != nil {
		reply(400, "Bad Request")
		return
	}
	b := Binding{User: user, AgentID: agentID, Contact: uri, Source: req.Source(), Transport: strings.ToLower(req.Transport()),
		Expires: now.Add(expires).UTC()}
	v, _ := json.Marshal(b)
	if err := r.cfg.Redis.Set(ctx, BindingKey(user), v, expires).Err(); err != nil {
		log.Error("registrar bind", "err", err)
		reply(500, "Server Internal Error")
		return
	}
	log.Info("phone registered", "agent", agentID, "sip_user", user, "contact", uri, "expires", expires)
	reply(200, "OK", sip.NewHeader("Contact", "<"+uri+">;expires="+strconv.Itoa(int(expires.Seconds()))),
		sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	// After the 200, so our INVITE does not overtake it.
	r.notify(user)
}

// Registered returns a channel that receives the SIP user of every
// successful registration or refresh, after the binding is stored, so the
// agent registry can redial that phone at once. Each call is a new
// subscriber; one that falls behind misses users (a registration is a hint,
// and the phone refreshes it anyway).
func (r *Registrar) Registered() <-chan string {
	ch := make(chan string, 64)
	r.mu.Lock()
	r.watchers = append(r.watchers, ch)
	r.mu.Unlock()
	return ch
}

func (r *Registrar) notify(user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.watchers {
		select {
		case ch <- user:
		default:
		}
	}
}
