// Package notify delivers notifications — reminders and escalation notices
// (催办) about department tasks — over channels such as e-mail and webhooks.
//
// Each channel lives in its own subpackage and implements Sender. Senders
// are called only from Temporal activities, never from workflows or HTTP
// handlers, so that Temporal owns the retries: a Sender makes one attempt,
// and its error says whether another attempt could succeed (a plain error)
// or not (a PermanentError). Because a retried activity may deliver a
// message twice — the receiver may have accepted it just before the
// connection broke — every Message carries its outbox dedupe key, and the
// channels pass it on (an e-mail Message-ID, a webhook header) so that a
// receiver can drop the duplicate.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Message is one notification for one recipient on one channel. Key is the
// outbox row's dedupe key (e.g. "task:42:due-1:2026-11-27"); channels that
// can (webhook header, e-mail Message-ID) carry it so a receiver can drop a
// duplicate delivery.
type Message struct {
	Key       string
	Subject   string // one line
	Body      string // plain text, may be multi-line (Chinese)
	Link      string // absolute URL to the task, may be empty
	Recipient Recipient
}

// Recipient is whom a Message is for, with an address for every channel
// they can be reached on. A channel uses only the fields it needs.
type Recipient struct {
	Name          string
	Email         string
	WebhookURL    string
	WebhookSecret string
}

// Sender delivers on one channel. Send must be safe to call again for the
// same Message after a failure: Temporal retries the activity.
type Sender interface {
	// Channel names the channel ("email", "webhook"), as recorded with
	// each delivery.
	Channel() string
	// Send makes one delivery attempt. An error for which IsPermanent
	// reports true means another attempt cannot succeed; any other error
	// may be retried.
	Send(ctx context.Context, m Message) error
}

// PermanentError marks an error that retrying cannot fix (bad address, 4xx
// from a webhook other than 408/429): the activity stops retrying.
type PermanentError struct{ Err error }

// Error returns the text of the wrapped error.
func (e *PermanentError) Error() string {
	if e.Err == nil {
		return "permanent failure"
	}
	return e.Err.Error()
}

// Unwrap lets errors.Is and errors.As see the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as one that retrying cannot fix. It returns nil for a
// nil err, and err itself when it is already marked, so that wrapping twice
// does not nest.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent. The activity turns such an error into a non-retryable one.
func IsPermanent(err error) bool {
	_, ok := errors.AsType[*PermanentError](err)
	return ok
}

// ErrNoAddress says the recipient lacks what the channel needs (an e-mail
// address, a webhook URL). It is permanent: the outbox row must be fixed or
// dropped, not retried. Channels wrap it, so test with errors.Is.
var ErrNoAddress error = &PermanentError{Err: errors.New("notify: recipient has no address for this channel")}

// ErrNoKey says a Message has no dedupe key. It is permanent: without a key
// a receiver could not tell a retried delivery from a new one, and an e-mail
// Message-ID derived from an empty key would be the same for every message.
var ErrNoKey error = &PermanentError{Err: errors.New("notify: message has no dedupe key")}

// Validate checks what every channel relies on: a dedupe key that can travel
// in a header. Its errors are permanent, since the same Message would fail
// the same way on every retry.
func (m Message) Validate() error {
	if m.Key == "" {
		return ErrNoKey
	}
	// The key goes into mail and HTTP headers, where a control character
	// would be refused or, worse, start a header of its own.
	if i := strings.IndexFunc(m.Key, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return Permanent(fmt.Errorf("notify: dedupe key has a control character at byte %d", i))
	}
	return nil
}

// OneLine turns s into a single line: every run of spaces, line breaks,
// tabs and other control characters becomes one space, and the ends are
// trimmed. Channels apply it to Subject, which must fit in a header or a
// title. Other Unicode spaces (the ideographic space U+3000 of Chinese
// text) are kept as written.
func OneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == ' ' || r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
