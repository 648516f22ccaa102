package auth

import (
	"context"
	"strings"

	"lianxi/internal/domain"
)

// tokenPrefix marks API tokens so that they are told apart from session
// tokens and are easy to find if leaked into a log or a repository.
const tokenPrefix = "lx_"

// CreateToken issues an API token for a user; the token is shown once and only
// its hash is kept.
func (s *Service) CreateToken(ctx context.Context, username, name string, meta Meta) (string, error) {
	user, _, err := s.store.GetUserByUsername(ctx, domain.NormaliseUsername(username))
	if err != nil {
		return "", err
	}
	if user.Disabled {
		return "", domain.Conflict("error.user_disabled", map[string]any{"username": user.Username})
	}
	token, th := newToken(tokenPrefix)
	rec := domain.AuditRecord{Actor: System.Username, Action: "token.create", Object: "user:" + user.Username, Result: domain.AuditOK, RequestID: meta.RequestID, IP: meta.IP, Detail: map[string]string{"name": name}}
	if err := s.store.CreateAPIToken(ctx, user.ID, strings.TrimSpace(name), th, rec); err != nil {
		return "", err
	}
	return token, nil
}

func (s *Service) authenticateBearer(ctx context.Context, token string) (domain.User, error) {
	userID, err := s.store.UseAPIToken(ctx, tokenHash(token), s.opt.Now())
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.User{}, domain.Unauthenticated()
	} else if err != nil {
		return domain.User{}, err
	}
	user, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return domain.User{}, err
	}
	if user.Disabled {
		return domain.User{}, domain.Unauthenticated()
	}
	return user, nil
}
