package onetime

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// memStore keeps codes in memory, for the issuer's own rules.
type memStore struct {
	saved []saved
}

type saved struct {
	scope, contact string
	hash           []byte
	addr           *netip.Addr
}

func (m *memStore) CodesSince(_ context.Context, scope, contact string, addr *netip.Addr, _ time.Time) (postgres.CodeCounts, error) {
	var n postgres.CodeCounts
	for _, s := range m.saved {
		if s.scope != scope {
			continue
		}
		if s.contact == contact {
			n.ToContact++
		}
		if addr != nil && s.addr != nil && *s.addr == *addr {
			n.FromAddress++
		}
	}
	return n, nil
}

func (m *memStore) SaveCode(_ context.Context, scope, contact string, hash []byte, addr *netip.Addr, _ time.Time) error {
	m.saved = append(m.saved, saved{scope, contact, hash, addr})
	return nil
}

type inbox struct{ codes, purposes []string }

func (b *inbox) SendCode(_ context.Context, _ string, _ bool, code, purpose string) error {
	b.codes, b.purposes = append(b.codes, code), append(b.purposes, purpose)
	return nil
}

// A code goes out normalised and masked, is stored only as its hash in
// its scope, and the limits per contact and per address count per scope.
func TestIssuerSendsWithinLimits(t *testing.T) {
	store, box := &memStore{}, &inbox{}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	iss := NewIssuer(store, box, Limits{PerContact: 2, PerAddress: 3}, func() time.Time { return now })
	ctx := context.Background()

	sent, err := iss.Send(ctx, "consultation:a", "《草案》征求意见", "+86 138-0013-8000", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if sent.Contact != "138****8000" || !sent.ExpiresAt.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("sent %+v", sent)
	}
	if len(box.codes) != 1 || len(box.codes[0]) != 6 || box.purposes[0] != "《草案》征求意见" {
		t.Fatalf("sent codes %v %v", box.codes, box.purposes)
	}
	code := box.codes[0]
	if s := store.saved[0]; s.contact != "13800138000" || bytes.Contains(s.hash, []byte(code)) || !bytes.Equal(s.hash, CodeHash("consultation:a", "13800138000", code)) {
		t.Fatalf("stored %+v", s)
	}
	// The same code in another scope is another hash.
	if bytes.Equal(CodeHash("consultation:a", "13800138000", code), CodeHash("contest:2026", "13800138000", code)) {
		t.Fatal("scopes share code hashes")
	}

	if _, err := iss.Send(ctx, "consultation:a", "x", "13800138000", "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	_, err = iss.Send(ctx, "consultation:a", "x", "13800138000", "192.0.2.3")
	if domain.KindOf(err) != domain.KindRateLimited {
		t.Fatalf("third code to one contact: %v", err)
	}
	// Another scope has its own count.
	if _, err := iss.Send(ctx, "consultation:b", "x", "13800138000", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	// Per address: the third code from 192.0.2.9 in a scope is refused.
	for i, c := range []string{"a@example.cn", "b@example.cn"} {
		if _, err := iss.Send(ctx, "consultation:c", "x", c, "192.0.2.9"); err != nil {
			t.Fatalf("code %d: %v", i, err)
		}
	}
	if _, err := iss.Send(ctx, "consultation:c", "x", "c@example.cn", "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Send(ctx, "consultation:c", "x", "d@example.cn", "192.0.2.9"); domain.KindOf(err) != domain.KindRateLimited {
		t.Fatalf("fourth code from one address: %v", err)
	}
	if _, err := iss.Send(ctx, "consultation:a", "x", "not a contact", "192.0.2.1"); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("bad contact: %v", err)
	}
}

func TestReadClaim(t *testing.T) {
	c, err := ReadClaim("s", "A@Example.cn", " 012345 ")
	if err != nil || c.Contact != "a@example.cn" || !bytes.Equal(c.Hash, CodeHash("s", "a@example.cn", "012345")) {
		t.Fatalf("claim %+v %v", c, err)
	}
	for _, code := range []string{"", "12345", "1234567", "12345a"} {
		_, err := ReadClaim("s", "a@example.cn", code)
		if de := domain.AsError(err); de == nil || len(de.Fields) != 1 || de.Fields[0].Field != "code" {
			t.Errorf("code %q: %v", code, err)
		}
	}
	if _, err := ReadClaim("s", "nobody", "123456"); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("bad contact: %v", err)
	}
	a, b := Addr("::ffff:192.0.2.1"), Addr("192.0.2.1")
	if a == nil || *a != *b || Addr("not an address") != nil {
		t.Errorf("addresses %v %v", a, b)
	}
	t1, h1, err := NewToken()
	t2, _, _ := NewToken()
	if err != nil || t1 == t2 || !bytes.Equal(h1, Hash(t1)) {
		t.Error("tokens")
	}
}
