// Package audit defines the hash chain of the audit trail: how a record's hash
// is computed from its content and its predecessor's hash, and how a chain is
// verified, so that an edited, deleted, inserted or reordered row is found.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	"lianxi/internal/domain"
)

// Genesis is the previous hash of the first record.
var Genesis = make([]byte, sha256.Size)

// Hash computes a record's hash over its sequence number, time (UTC, to the
// microsecond, the precision PostgreSQL keeps), every text field, the detail
// map in key order and the previous record's hash. Each field is length
// prefixed so that moving bytes between fields changes the hash.
func Hash(prev []byte, r domain.AuditRecord) []byte {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(prev)
	binary.BigEndian.PutUint64(n[:], uint64(r.Seq))
	h.Write(n[:])
	field([]byte(Truncate(r.At).Format(time.RFC3339Nano)))
	for _, s := range []string{r.Actor, r.Action, r.Object, string(r.Result), r.RequestID, r.IP} {
		field([]byte(s))
	}
	keys := make([]string, 0, len(r.Detail))
	for k := range r.Detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	binary.BigEndian.PutUint64(n[:], uint64(len(keys)))
	h.Write(n[:])
	for _, k := range keys {
		field([]byte(k))
		field([]byte(r.Detail[k]))
	}
	return h.Sum(nil)
}

// Truncate brings a time to the precision the audit table stores, in UTC.
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Break describes the first place where a chain does not verify.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d: %s", b.Seq, b.Reason)
}

// Verifier checks records one at a time in sequence order, so a chain of any
// length is verified in constant memory.
type Verifier struct {
	prev    []byte
	lastSeq int64
	count   int64
}

// NewVerifier starts a verification from the beginning of the chain.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis} }

// Next checks the next record; it returns a *Break at the first record whose
// content, link or place in the sequence is wrong.
func (v *Verifier) Next(r domain.AuditRecord) error {
	switch {
	case r.Seq != v.lastSeq+1:
		return &Break{Seq: r.Seq, Reason: fmt.Sprintf("expected seq %d (a row is missing or out of order)", v.lastSeq+1)}
	case !bytes.Equal(r.PrevHash, v.prev):
		return &Break{Seq: r.Seq, Reason: "previous-hash link does not match the row before it"}
	case !bytes.Equal(Hash(r.PrevHash, r), r.Hash):
		return &Break{Seq: r.Seq, Reason: "content does not match its hash (the row was changed)"}
	}
	v.prev, v.lastSeq = r.Hash, r.Seq
	v.count++
	return nil
}

// Count returns how many records verified.
func (v *Verifier) Count() int64 { return v.count }
