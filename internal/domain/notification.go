package domain

import (
	"net/url"
	"time"
)

// Notification is an entry of a user's in-app notification centre.
type Notification struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	OutboxID  int64     `json:"-"`
	TaskID    int64     `json:"task_id,omitempty"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	Link      string    `json:"link,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// Webhook is a JSON endpoint (a WeCom or DingTalk style bot, or a relay)
// that notifications are POSTed to, signed with the secret.
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// Channels says where a user or a department wants notifications besides
// the in-app centre.
type Channels struct {
	Email   string  `json:"email"`
	Webhook Webhook `json:"webhook"`
}

// Validate checks an address and a webhook.
func (c Channels) Validate() error {
	var v Validation
	if c.Email != "" {
		v.Check(len(c.Email) <= 254 && PlainText(c.Email) && emailLike(c.Email), "email", "validation.email", nil)
	}
	if c.Webhook.URL != "" {
		u, err := url.Parse(c.Webhook.URL)
		v.Check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(c.Webhook.URL) <= 2000,
			"webhook.url", "validation.webhook_url", nil)
		v.Check(len(c.Webhook.Secret) >= 16 && len(c.Webhook.Secret) <= 200, "webhook.secret", "validation.webhook_secret", nil)
	}
	return v.Err()
}

func emailLike(s string) bool {
	at := -1
	for i, r := range s {
		if r == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
		if r == ' ' {
			return false
		}
	}
	return at > 0 && at < len(s)-3
}
