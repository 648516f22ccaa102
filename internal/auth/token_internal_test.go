package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// A session token that would begin with the API tokens' prefix is drawn
// again: such a session would be taken for an API token and refused.
func TestSessionTokensNeverLookLikeAPITokens(t *testing.T) {
	clash, err := base64.RawURLEncoding.DecodeString("lx_A")
	if err != nil {
		t.Fatal(err)
	}
	first := append(clash, make([]byte, 29)...)
	second := bytes.Repeat([]byte{7}, 32)
	random := bytes.NewReader(append(first, second...))

	token, hash := newTokenFrom(random, "")
	if strings.HasPrefix(token, tokenPrefix) {
		t.Fatalf("session token %q has the API prefix", token)
	}
	if want := base64.RawURLEncoding.EncodeToString(second); token != want {
		t.Fatalf("token %q, want the second draw %q", token, want)
	}
	if !bytes.Equal(hash, tokenHash(token)) {
		t.Fatal("hash is not the token's")
	}

	// An API token keeps its prefix whatever the random bytes are.
	api, _ := newTokenFrom(bytes.NewReader(first), tokenPrefix)
	if !strings.HasPrefix(api, tokenPrefix+"lx_") {
		t.Fatalf("api token %q", api)
	}
}
