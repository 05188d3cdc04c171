package jobs

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// secretFile holds the server's own 256-bit key, created on first use. It signs
// the students' status keys and download links, and lives in the data dir so a
// restored backup keeps old links working.
const secretFile = "printlab.secret"

var (
	secretCache sync.Map   // data dir -> []byte
	secretMu    sync.Mutex // one creation at a time in this process
)

// ServerSecret returns the data dir's signing key, creating it when missing.
func ServerSecret(app core.App) ([]byte, error) {
	dir := app.DataDir()
	if v, ok := secretCache.Load(dir); ok {
		return v.([]byte), nil
	}
	secretMu.Lock()
	defer secretMu.Unlock()
	if v, ok := secretCache.Load(dir); ok {
		return v.([]byte), nil
	}
	path := filepath.Join(dir, secretFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b, err = createSecret(path)
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 32 {
		return nil, errors.New("the server secret file " + path + " is damaged (shorter than 32 bytes)")
	}
	secretCache.Store(dir, b)
	return b, nil
}

// createSecret writes a new key to path, whole or not at all: the key is
// written and synced under a temporary name and then linked in place, which
// fails when another process got there first (then its key is read). A reader
// never sees a file that is only partly written.
func createSecret(path string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), secretFile+".*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		return os.ReadFile(path)
	}
	return b, nil
}

// NewToken returns a random 192-bit token for a link, and the hash that is the only
// thing stored.
func NewToken() (token, hash string) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS random source does not fail on supported systems
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StatusKey derives a job's private status-page key from the server secret, the job
// id and the job's random salt. Nothing secret is stored on the job; every email
// can carry the link; changing the salt revokes old links.
func StatusKey(secret []byte, jobID, salt string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("status\x00" + jobID + "\x00" + salt))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18]) // 144 bits
}

// CheckStatusKey compares key with the job's derived key in constant time.
func CheckStatusKey(app core.App, job *core.Record, key string) bool {
	secret, err := ServerSecret(app)
	if err != nil || key == "" {
		return false
	}
	want := StatusKey(secret, job.Id, job.GetString("status_key_salt"))
	return subtle.ConstantTimeCompare([]byte(want), []byte(key)) == 1
}

// NewSalt is a random per-job salt for StatusKey.
func NewSalt() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
