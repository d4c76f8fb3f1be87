package sipua

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/media"
)

// Reasons a leg ended because of its session timer (RFC 4028).
const (
	EndSessionExpired = "session_expired"        // the peer was to refresh and did not
	EndRefreshFailed  = "session_refresh_failed" // our refresh got 408 or 481, or no answer
)

// sessionExpires is a parsed Session-Expires header: the interval and who
// refreshes ("uac" or "uas"; "" when the header names no one).
type sessionExpires struct {
	interval  time.Duration
	refresher string
}

// parseSessionExpires reads "1800;refresher=uac" (RFC 4028 §4). It reports
// false for anything else, so a garbled header leaves the call untimed
// rather than ended.
func parseSessionExpires(v string) (sessionExpires, bool) {
	parts := strings.Split(v, ";")
	secs, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || secs <= 0 || secs > 86400 {
		return sessionExpires{}, false
	}
	se := sessionExpires{interval: time.Duration(secs) * time.Second}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			switch r := strings.ToLower(strings.TrimSpace(val)); r {
			case "uac", "uas":
				se.refresher = r
			default:
				return sessionExpires{}, false
			}
		}
	}
	return se, true
}

// minSE reads a 422's Min-SE (RFC 4028 §5): the smallest interval the peer
// takes.
func minSE(res *sip.Response) (time.Duration, bool) {
	h := res.GetHeader("Min-SE")
	if h == nil {
		return 0, false
	}
	v, _, _ := strings.Cut(h.Value(), ";")
	secs, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || secs <= 0 || secs > 86400 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// allows says whether the response's Allow header lists method.
func allows(res *sip.Response, method string) bool {
	for _, h := range res.GetHeaders("Allow") {
		for m := range strings.SplitSeq(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(m), method) {
				return true
			}
		}
	}
	return false
}

// startSessionTimer arms the session timer the peer's 2xx asked for. alo
// placed the call, so it is the UAC: with refresher=uac (or none named) it
// refreshes every half interval; with refresher=uas it expects the peer to,
// and ends the call when no refresh comes in time (RFC 4028 §10). Without
// Session-Expires the call has no timer.
func (l *Leg) startSessionTimer(res *sip.Response) {
	h := res.GetHeader("Session-Expires")
	if h == nil {
		return
	}
	se, ok := parseSessionExpires(h.Value())
	if !ok {
		l.log.Warn("unusable Session-Expires in the answer; no session timer", "value", h.Value())
		return
	}
	weRefresh := se.refresher != "uas"
	useUpdate := allows(res, "UPDATE")
	l.log.Debug("session timer", "interval", se.interval, "we_refresh", weRefresh, "update", useUpdate)
	l.s.bg.Go(func() { l.runSessionTimer(se.interval, weRefresh, useUpdate) })
}

// refreshRetry bounds the wait before trying a refresh again after a
// failure that does not end the call (a 491 glare, a 500).
const refreshRetry = 10 * time.Second

// runSessionTimer refreshes (or watches for the peer's refreshes) until
// the leg ends.
func (l *Leg) runSessionTimer(interval time.Duration, weRefresh, useUpdate bool) {
	expiry := time.NewTimer(interval)
	defer expiry.Stop()
	wait := refreshWait(interval, weRefresh)
	for {
		t := time.NewTimer(wait)
		select {
		case <-l.done:
			t.Stop()
			return
		case <-l.refreshed:
			// A refresh from the peer restarts the session either way.
			t.Stop()
			expiry.Reset(interval)
			wait = refreshWait(interval, weRefresh)
			continue
		case <-expiry.C:
			t.Stop()
			l.log.Warn("session expired: no successful refresh", "interval", interval)
			l.endAlone(EndSessionExpired)
			return
		case <-t.C:
		}
		if !weRefresh {
			l.log.Warn("session expired: the peer did not refresh", "interval", interval)
			l.endAlone(EndSessionExpired)
			return
		}
		next, err := l.refreshSession(interval, useUpdate)
		switch {
		case err == nil:
			l.refreshes.Add(1)
			interval = next
			expiry.Reset(interval)
			wait = refreshWait(interval, true)
		case errors.Is(err, errRefreshFatal):
			l.log.Warn("session refresh failed; hanging up", "err", err)
			l.endAlone(EndRefreshFailed)
			return
		default:
			// The session lives until it expires; try again before then.
			l.log.Warn("session refresh refused; trying again", "err", err)
			wait = min(refreshRetry, interval/4)
		}
	}
}

// refreshWait is when the next refresh is due: half the interval when we
// refresh; when the peer does, the interval less a margin for its
// transaction (RFC 4028 §10), after which the session has expired.
func refreshWait(interval time.Duration, weRefresh bool) time.Duration {
	if weRefresh {
		return interval / 2
	}
	return interval - min(32*time.Second, interval/3)
}

// errRefreshFatal marks a refresh answered 408 or 481 or not at all: the
// peer no longer holds the dialog (RFC 4028 §10, RFC 3261 §12.2.1.2).
var errRefreshFatal = errors.New("session refresh: dialog gone")

// refreshSession sends one refresh, an UPDATE without a body when the peer
// allows UPDATE, else a re-INVITE with our unchanged SDP (and its ACK),
// and returns the interval the peer confirmed. A 422 is retried once with
// the peer's Min-SE.
func (l *Leg) refreshSession(interval time.Duration, useUpdate bool) (time.Duration, error) {
	for try := 0; try < 2; try++ {
		method := sip.UPDATE
		if !useUpdate {
			method = sip.INVITE
		}
		req := sip.NewRequest(method, l.target())
		req.Laddr = l.dialog.InviteRequest.Laddr
		req.AppendHeader(sip.NewHeader("Session-Expires", fmt.Sprintf("%d;refresher=uac", int(interval/time.Second))))
		req.AppendHeader(sip.NewHeader("Supported", "timer"))
		if method == sip.INVITE {
			// The same session version: nothing changed (RFC 3264 §8).
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			req.SetBody(l.media.SDP(l.s.advertise, l.sessID, l.sdpVersion.Load(), media.DirSendRecv))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		res, err := l.dialog.Do(ctx, req)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("%w: %s: %w", errRefreshFatal, method, err)
		}
		if method == sip.INVITE && res.IsSuccess() {
			ack := sip.NewRequest(sip.ACK, l.target())
			ack.Laddr = l.dialog.InviteRequest.Laddr
			if err := l.dialog.WriteRequest(ack); err != nil {
				l.log.Debug("ack of refresh", "err", err)
			}
		}
		switch {
		case res.IsSuccess():
			if h := res.GetHeader("Session-Expires"); h != nil {
				if se, ok := parseSessionExpires(h.Value()); ok {
					return se.interval, nil
				}
			}
			return interval, nil
		case res.StatusCode == 408 || res.StatusCode == 481:
			return 0, fmt.Errorf("%w: %s answered %d", errRefreshFatal, method, res.StatusCode)
		case res.StatusCode == 422:
			m, ok := minSE(res)
			if !ok || m <= interval {
				return 0, fmt.Errorf("session refresh: %s answered 422 without a larger Min-SE", method)
			}
			interval = m
		default:
			return 0, fmt.Errorf("session refresh: %s answered %d %s", method, res.StatusCode, res.Reason)
		}
	}
	return 0, errors.New("session refresh: 422 twice")
}
