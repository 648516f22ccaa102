package auth

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"lianxi/internal/domain"
)

// AddressLimiter allows each client address a few writes per interval:
// the public's nominations and objections, which need no account. It is
// per process — behind several replicas the figure multiplies, which
// still stops a flood from one address.
type AddressLimiter struct {
	mu    sync.Mutex
	every time.Duration
	burst int
	seen  map[string]*rate.Limiter
}

// NewAddressLimiter allows perMinute writes a minute per address, burst at
// once.
func NewAddressLimiter(perMinute, burst int) *AddressLimiter {
	return &AddressLimiter{every: time.Minute / time.Duration(perMinute), burst: burst, seen: map[string]*rate.Limiter{}}
}

// Allow takes one write of the request's client address, or refuses it
// with a rate-limited error that says when to try again.
func (l *AddressLimiter) Allow(r *http.Request) error {
	return l.AllowKey(ClientIP(r))
}

// AllowKey takes one write of any key (a voter, a contact), or refuses it
// like Allow.
func (l *AddressLimiter) AllowKey(addr string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.seen[addr]
	if !ok {
		if len(l.seen) > 100000 {
			l.seen = map[string]*rate.Limiter{} // forget idle addresses rather than grow without bound
		}
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.seen[addr] = lim
	}
	if lim.Allow() {
		return nil
	}
	wait := int(l.every.Seconds()) + 1
	return &domain.Error{Kind: domain.KindRateLimited, Key: "error.too_many_requests", Params: map[string]any{"seconds": wait}, RetryAfterSeconds: wait}
}
