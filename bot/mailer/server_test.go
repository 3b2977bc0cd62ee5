package mailer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test server got it.
type received struct {
	From string
	To   []string
	Data []byte
	// User is who authenticated, "" for nobody; TLS says whether the session was
	// encrypted when the message came.
	User string
	TLS  bool
}

// script tells the test server how to answer; nil errors accept.
type script struct {
	mail, rcpt, data error
	// users, when set, are the accepted user names and passwords; mail is then
	// refused until the client has authenticated.
	users map[string]string
	// dropAfterAccept closes the connection right after the 250 for the data, so
	// that the client's RSET and QUIT fail.
	dropAfterAccept bool
}

// server is a real SMTP server (github.com/emersion/go-smtp) on 127.0.0.1 that
// records every message it accepts.
type server struct {
	Addr string
	Port int

	mu       sync.Mutex
	script   script
	messages []received
	sessions int
}

// startServer starts a plain SMTP server; with tlsConf it offers STARTTLS, and
// with implicit it speaks TLS from the start (smtps).
func startServer(t *testing.T, sc script, tlsConf *tls.Config, implicit bool) *server {
	t.Helper()
	return startServerAt(t, "127.0.0.1:0", sc, tlsConf, implicit)
}

func startServerAt(t *testing.T, addr string, sc script, tlsConf *tls.Config, implicit bool) *server {
	t.Helper()
	s := &server{script: sc}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // PLAIN over loopback without TLS, as in the tests
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = tlsConf
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		l = tls.NewListener(l, tlsConf)
	}
	s.Addr = l.Addr().String()
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the SMTP server did not stop")
		}
	})
	return s
}

func (s *server) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

type session struct {
	s        *server
	c        *smtp.Conn
	user     string
	from     string
	to       []string
	accepted bool
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		se.s.mu.Lock()
		defer se.s.mu.Unlock()
		if want, ok := se.s.script.users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		se.user = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.script.users != nil && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return se.s.script.mail
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	se.to = append(se.to, to)
	return se.s.script.rcpt
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.script.data != nil {
		return se.s.script.data
	}
	_, isTLS := se.c.TLSConnectionState()
	se.s.messages = append(se.s.messages, received{From: se.from, To: se.to, Data: data, User: se.user, TLS: isTLS})
	se.accepted = true
	return nil
}

// Reset is called by go-smtp after the reply to the data has been written, and
// on RSET: the moment to hang up for dropAfterAccept.
func (se *session) Reset() {
	se.s.mu.Lock()
	drop := se.s.script.dropAfterAccept && se.accepted
	se.s.mu.Unlock()
	se.from, se.to = "", nil
	if drop {
		se.c.Conn().Close()
	}
}

func (se *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hotline test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}, pool
}

// freePort returns a loopback port where nothing listens.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// silentServer accepts connections and never says a word, like a stuck server.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}
