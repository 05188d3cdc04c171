package desk

import (
	"testing"
	"time"
)

func TestLinkTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tok := signLink(secret, linkClaims{Job: "abc", File: FileModel, SHA256: "ff", Expires: now.Add(LinkLifetime).Unix()})
	if c, err := verifyLink(secret, tok, now); err != nil || c.Job != "abc" {
		t.Fatalf("fresh link refused: %v", err)
	}
	if _, err := verifyLink(secret, tok, now.Add(LinkLifetime)); err == nil || err.Status != 410 {
		t.Fatalf("expired link: %v", err)
	}
	if _, err := verifyLink([]byte("another server's secret 12345678"), tok, now); err == nil || err.Status != 403 {
		t.Fatalf("link from another server: %v", err)
	}
	for _, r := range tok {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			t.Fatalf("token has %q, outside what the slicer helper accepts", r)
		}
	}
}
