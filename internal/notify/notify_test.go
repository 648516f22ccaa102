package notify

import (
	"errors"
	"fmt"
	"testing"
)

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Fatal("Permanent(nil) should be nil")
	}
	cause := errors.New("mailbox unknown")
	p := Permanent(cause)
	if !IsPermanent(p) {
		t.Fatal("Permanent error not recognised")
	}
	if !errors.Is(p, cause) {
		t.Fatal("Permanent hides its cause from errors.Is")
	}
	if p.Error() != cause.Error() {
		t.Fatalf("Error() = %q, want the cause's text", p.Error())
	}
	wrapped := fmt.Errorf("delivering: %w", p)
	if !IsPermanent(wrapped) {
		t.Fatal("IsPermanent should see through wrapping")
	}
	if again := Permanent(wrapped); again != wrapped {
		t.Fatal("marking an already permanent error should return it unchanged")
	}
	if IsPermanent(cause) || IsPermanent(nil) {
		t.Fatal("plain errors and nil are not permanent")
	}
}

func TestSentinelsArePermanent(t *testing.T) {
	for _, sentinel := range []error{ErrNoAddress, ErrNoKey} {
		err := fmt.Errorf("email: %w", sentinel)
		if !IsPermanent(err) {
			t.Errorf("%v: not permanent", sentinel)
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("%v: errors.Is fails through wrapping", sentinel)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := (Message{Key: "task:42:due-1:2026-11-27"}).Validate(); err != nil {
		t.Fatalf("valid key refused: %v", err)
	}
	if err := (Message{}).Validate(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("empty key: got %v, want ErrNoKey", err)
	}
	for _, key := range []string{"task:1\r\nBcc: x@example.com", "a\x00b", "tab\there"} {
		err := (Message{Key: key}).Validate()
		if err == nil || !IsPermanent(err) {
			t.Errorf("key %q: got %v, want a permanent error", key, err)
		}
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"催办：任务即将到期": "催办：任务即将到期",
		"  第一行\r\n第二行\n\n第三行  ": "第一行 第二行 第三行",
		"a \n b":        "a b",
		"全角\u3000空格":    "全角\u3000空格",
		"x\u2028y\x7fz": "x y z",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
