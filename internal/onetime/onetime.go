// Package onetime verifies that a member of the public holds a contact —
// a mainland mobile number or an e-mail address — by a six-digit code sent
// to it. The public processes (the idea contest, consultations on drafts)
// use it before they take an idea, a vote or a comment without an account:
// codes are stored hashed, live minutes, die after a few wrong tries and
// are limited per contact and per address, counted in PostgreSQL so that
// every replica and a restart agree.
package onetime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// Sender delivers a one-time code to a contact: by e-mail, or by SMS to a
// mobile number. Purpose names what the code is for in the message.
type Sender interface {
	SendCode(ctx context.Context, contact string, email bool, code, purpose string) error
}

// Store keeps the codes' hashes and counts them.
type Store interface {
	CodesSince(ctx context.Context, scope, contact string, addr *netip.Addr, since time.Time) (postgres.CodeCounts, error)
	SaveCode(ctx context.Context, scope, contact string, hash []byte, addr *netip.Addr, expires time.Time) error
}

// Limits bound the codes; zero fields take the defaults.
type Limits struct {
	TTL        time.Duration // how long a code is good for (10 minutes)
	PerContact int           // codes to one contact an hour in one scope (5)
	PerAddress int           // codes from one address an hour in one scope (30)
}

func (l *Limits) defaults() {
	if l.TTL <= 0 {
		l.TTL = 10 * time.Minute
	}
	if l.PerContact <= 0 {
		l.PerContact = 5
	}
	if l.PerAddress <= 0 {
		l.PerAddress = 30
	}
}

// Issuer sends codes within their limits.
type Issuer struct {
	store  Store
	sender Sender
	limits Limits
	now    func() time.Time
}

// NewIssuer builds an issuer; now nil means the wall clock.
func NewIssuer(store Store, sender Sender, limits Limits, now func() time.Time) *Issuer {
	if now == nil {
		now = time.Now
	}
	limits.defaults()
	return &Issuer{store: store, sender: sender, limits: limits, now: now}
}

// Sent says where a code went (masked) and for how long it is good.
type Sent struct {
	Contact   string    `json:"contact"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Send sends a code for a scope (a contest, a consultation) to a contact,
// given as typed; purpose names the scope in the message.
func (i *Issuer) Send(ctx context.Context, scope, purpose, contact, ip string) (Sent, error) {
	norm, email, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		return Sent{}, err
	}
	now, addr := i.now(), Addr(ip)
	n, err := i.store.CodesSince(ctx, scope, norm, addr, now.Add(-time.Hour))
	if err != nil {
		return Sent{}, err
	}
	if n.ToContact >= i.limits.PerContact || addr != nil && n.FromAddress >= i.limits.PerAddress {
		return Sent{}, &domain.Error{Kind: domain.KindRateLimited, Key: "error.too_many_codes", Params: map[string]any{"seconds": 3600}, RetryAfterSeconds: 600}
	}
	code, err := randomDigits(6)
	if err != nil {
		return Sent{}, err
	}
	expires := now.Add(i.limits.TTL)
	if err := i.store.SaveCode(ctx, scope, norm, CodeHash(scope, norm, code), addr, expires); err != nil {
		return Sent{}, err
	}
	if err := i.sender.SendCode(ctx, norm, email, code, purpose); err != nil {
		return Sent{}, fmt.Errorf("send code: %w", err)
	}
	return Sent{Contact: domain.MaskContact(norm), ExpiresAt: expires}, nil
}

// Claim is a code as typed back: the normalised contact and the hash to
// compare with the one stored.
type Claim struct {
	Contact string
	Hash    []byte
}

// ReadClaim checks the form of a contact and a code typed back in a scope.
func ReadClaim(scope, contact, code string) (Claim, error) {
	norm, _, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		return Claim{}, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		var v domain.Validation
		v.Add("code", "validation.code_wrong", nil)
		return Claim{}, v.Err()
	}
	return Claim{Contact: norm, Hash: CodeHash(scope, norm, code)}, nil
}

// CodeHash is what is stored of a code.
func CodeHash(scope, contact, code string) []byte { return Hash(scope, contact, code) }

// Hash is the SHA-256 of parts, each ended by a zero byte.
func Hash(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// NewToken returns a bearer token for a verified contact and the hash
// that is stored in its place.
func NewToken() (token string, hash []byte, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, Hash(token), nil
}

// Addr parses a client's address; nil when it is not one.
func Addr(ip string) *netip.Addr {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	a = a.Unmap()
	return &a
}

func randomDigits(n int) (string, error) {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}
