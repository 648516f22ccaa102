package onetime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"lianxi/internal/domain"
	"lianxi/internal/notify"
)

// Codes delivers one-time codes: e-mail addresses through Email, mobile
// numbers through an SMS gateway's webhook (SMSURL, signed with
// SMSSecret). A channel left out refuses its contacts, unless DevLog is set
// (lianxi dev only), which writes the code to the log instead.
type Codes struct {
	Email     notify.Sender
	SMS       notify.Sender
	SMSURL    string
	SMSSecret string
	DevLog    *slog.Logger
}

// ErrNoChannel is a contact no channel here can reach.
var ErrNoChannel = &domain.Error{Kind: domain.KindInvalid, Key: "error.invalid",
	Fields: []domain.FieldError{{Field: "contact", Key: "validation.contact_unreachable"}}}

// SendCode sends a code once; the key is unique per code.
func (c Codes) SendCode(ctx context.Context, contact string, email bool, code, purpose string) error {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	m := notify.Message{
		Key:     "contact-code:" + hex.EncodeToString(nonce),
		Subject: purpose + " 验证码 Verification code",
		Body: "您的验证码是 " + code + "，10分钟内有效，用于" + purpose + "。请勿告诉他人。\n" +
			"Your code is " + code + " for " + purpose + "; it is good for 10 minutes. Do not share it.",
		Recipient: notify.Recipient{Name: contact},
	}
	var ch notify.Sender
	if email && c.Email != nil {
		ch, m.Recipient.Email = c.Email, contact
	} else if !email && c.SMS != nil && c.SMSURL != "" {
		ch, m.Recipient.WebhookURL, m.Recipient.WebhookSecret = c.SMS, c.SMSURL+"?to="+contact, c.SMSSecret
	}
	if ch == nil {
		if c.DevLog == nil {
			return ErrNoChannel
		}
		c.DevLog.Info("one-time code (no channel configured; lianxi dev only)", "contact", contact, "code", code)
		return nil
	}
	err := ch.Send(ctx, m)
	var perm *notify.PermanentError
	if errors.As(err, &perm) {
		return ErrNoChannel
	}
	return err
}
