package smtptest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"lianxi/internal/notify/smtptest"
)

// send delivers raw with the standard library's client, independent of the
// go-mail client the e-mail channel uses.
func send(t *testing.T, srv *smtptest.Server, raw string) error {
	t.Helper()
	return smtp.SendMail(srv.Addr(), nil, "from@example.com", []string{"to@example.com"},
		[]byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func TestDecodesBodies(t *testing.T) {
	srv := smtptest.Start(t)
	for name, raw := range map[string]string{
		"base64": "Subject: =?UTF-8?B?5YKs5Yqe?=\nMIME-Version: 1.0\n" +
			"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n" +
			"6K+35Y+K5pe2\n5Yqe55CG\n",
		"quoted-printable": "Subject: =?UTF-8?Q?=E5=82=AC=E5=8A=9E?=\nMIME-Version: 1.0\n" +
			"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
			"=E8=AF=B7=E5=8F=8A=E6=97=B6=\n=E5=8A=9E=E7=90=86",
		"multipart": "Subject: =?UTF-8?B?5YKs5Yqe?=\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/alternative; boundary=XYZ\n\n" +
			"--XYZ\nContent-Type: text/html; charset=UTF-8\n\n<p>ignored</p>\n" +
			"--XYZ\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
			"=E8=AF=B7=E5=8F=8A=E6=97=B6=E5=8A=9E=E7=90=86\n--XYZ--\n",
	} {
		t.Run(name, func(t *testing.T) {
			before := len(srv.Messages())
			if err := send(t, srv, raw); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := srv.Messages()[before]
			if subj, err := got.Header("Subject"); err != nil || subj != "催办" {
				t.Errorf("Subject %q (%v)", subj, err)
			}
			text, err := got.Text()
			if err != nil {
				t.Fatalf("Text: %v", err)
			}
			if strings.TrimSpace(text) != "请及时办理" {
				t.Errorf("Text %q", text)
			}
		})
	}
}

func TestRejectTimesThenAccepts(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectWith(smtptest.Rejection{Stage: smtptest.StageMail, Code: 421, Times: 2})
	raw := "Subject: x\n\nbody\n"
	for i := range 2 {
		if err := send(t, srv, raw); err == nil || !strings.Contains(err.Error(), "421") {
			t.Fatalf("attempt %d: got %v, want a 421", i+1, err)
		}
	}
	if err := send(t, srv, raw); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	if srv.Rejected() != 2 || len(srv.Messages()) != 1 {
		t.Fatalf("rejected %d, stored %d; want 2 and 1", srv.Rejected(), len(srv.Messages()))
	}

	srv.Reject(550)
	if err := send(t, srv, raw); err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("got %v, want a 550", err)
	}
	srv.Accept()
	if err := send(t, srv, raw); err != nil {
		t.Fatalf("after Accept: %v", err)
	}
}

func TestWait(t *testing.T) {
	srv := smtptest.Start(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = send(t, srv, "Subject: late\n\nbody\n")
	}()
	got := srv.Wait(t, 1, 10*time.Second)
	if len(got) != 1 || got[0].From != "from@example.com" || got[0].To[0] != "to@example.com" {
		t.Fatalf("got %+v", got)
	}
}

func TestRequiresAuth(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{Username: "u", Password: "p"})
	if err := send(t, srv, "Subject: x\n\nbody\n"); err == nil {
		t.Fatal("accepted mail without authentication")
	}
	// net/smtp sends PLAIN without TLS only to localhost, which is exactly
	// the test server.
	auth := smtp.PlainAuth("", "u", "p", "127.0.0.1")
	if err := smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
		t.Fatalf("authenticated send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Username != "u" {
		t.Fatalf("got %+v", got)
	}
}
