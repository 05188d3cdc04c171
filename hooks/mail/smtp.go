package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// smtpConfig is PocketBase's SMTP settings (admin UI › Settings › Mail).
// PrintLab talks SMTP itself instead of through app.NewMailClient(): that
// client dials without a timeout and opens a connection per message, and the
// outbox needs a hard deadline on every attempt and a reused connection to
// drain a backlog quickly.
type smtpConfig struct {
	Host       string
	Port       int
	Username   string
	Password   string
	AuthMethod string
	TLS        bool
	LocalName  string
}

func smtpFromSettings(app core.App) (smtpConfig, bool) {
	s := app.Settings().SMTP
	if !s.Enabled || s.Host == "" {
		return smtpConfig{}, false
	}
	return smtpConfig{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password,
		AuthMethod: s.AuthMethod, TLS: s.TLS, LocalName: s.LocalName}, true
}

// smtpConn is one open SMTP session. Every step runs under a deadline on the
// socket, so a server that accepts and then says nothing costs at most one
// timeout, and no goroutine is left behind.
type smtpConn struct {
	raw     net.Conn
	c       *smtp.Client
	timeout time.Duration
}

// connError marks failures that leave the connection (or the server) unusable,
// as opposed to the server refusing one message.
type connError struct{ err error }

func (e connError) Error() string { return "SMTP server unreachable: " + e.err.Error() }
func (e connError) Unwrap() error { return e.err }

func dialSMTP(ctx context.Context, cfg smtpConfig, timeout time.Duration) (*smtpConn, error) {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, connError{err}
	}
	// The context also ends the session early, e.g. when the server shuts down.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Now()) })
	defer stop()
	raw.SetDeadline(time.Now().Add(timeout))

	conn := raw
	if cfg.TLS {
		conn = tls.Client(raw, &tls.Config{ServerName: cfg.Host})
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		raw.Close()
		return nil, connError{err}
	}
	local := cfg.LocalName
	if local == "" {
		local = "localhost"
	}
	fail := func(err error) (*smtpConn, error) {
		c.Close()
		return nil, connError{err}
	}
	if err := c.Hello(local); err != nil {
		return fail(err)
	}
	if !cfg.TLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: cfg.Host}); err != nil {
				return fail(err)
			}
		}
	}
	if cfg.Username != "" || cfg.Password != "" {
		var auth smtp.Auth
		if strings.EqualFold(cfg.AuthMethod, "LOGIN") {
			auth = &loginAuth{cfg.Username, cfg.Password, cfg.Host}
		} else {
			auth = smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)
		}
		if err := c.Auth(auth); err != nil {
			return fail(fmt.Errorf("authentication failed: %w", err))
		}
	}
	return &smtpConn{raw: raw, c: c, timeout: timeout}, nil
}

// send delivers one message. A reply code from the server (the server refused
// this message) keeps the connection usable; anything else breaks it.
func (s *smtpConn) send(ctx context.Context, e envelope) error {
	stop := context.AfterFunc(ctx, func() { s.raw.SetDeadline(time.Now()) })
	defer stop()
	s.raw.SetDeadline(time.Now().Add(s.timeout))
	err := func() error {
		if err := s.c.Mail(e.From); err != nil {
			return err
		}
		if err := s.c.Rcpt(e.To); err != nil {
			return err
		}
		w, err := s.c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(e.Raw); err != nil {
			return err
		}
		return w.Close()
	}()
	if err == nil {
		return nil
	}
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		if rerr := s.c.Reset(); rerr != nil {
			return connError{err}
		}
		return err
	}
	return connError{err}
}

// close says goodbye politely but never waits longer than the deadline.
func (s *smtpConn) close() {
	s.raw.SetDeadline(time.Now().Add(2 * time.Second))
	if err := s.c.Quit(); err != nil {
		s.c.Close()
	}
}

// loginAuth is the LOGIN mechanism some providers (Outlook) still require;
// like net/smtp's PLAIN it refuses to send credentials in the clear except to
// localhost.
type loginAuth struct{ username, password, host string }

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && server.Name != "localhost" && server.Name != "127.0.0.1" && server.Name != "::1" {
		return "", nil, errors.New("refusing to send the password over an unencrypted connection")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.username), nil
	case "password:":
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}
