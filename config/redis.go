package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis is REDIS_URL read by go-redis: exactly one field is set, holding
// go-redis's own options for the mode as its URL parser returned them, with
// ContextTimeoutEnabled set (so that request deadlines reach Redis). They are
// kept in go-redis's types, not copied into redis.UniversalOptions, so that every
// option the URL can set reaches the client without a list of fields to keep up
// with each go-redis release.
//
// REDIS_URL is a redis:// or rediss:// (TLS) URL:
//   - mode "single", or "auto" without the parameters below: redis.ParseURL, e.g.
//     redis://:password@127.0.0.1:6379/2
//   - mode "sentinel", or "auto" with a master_name parameter:
//     redis.ParseFailoverURL; the host and any addr= parameters are the
//     Sentinels, the user info is the Sentinels' login and username= and
//     password= parameters the primary's, e.g.
//     redis://:pw@10.0.0.1:26379?master_name=mymaster&addr=10.0.0.2:26379
//   - mode "cluster", or "auto" with addr= parameters: redis.ParseClusterURL; the
//     host and the addr= parameters are seed nodes, e.g.
//     redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000
type Redis struct {
	// Single is one Redis server.
	Single *redis.Options
	// Sentinel is a primary found through Redis Sentinel.
	Sentinel *redis.FailoverOptions
	// Cluster is a Redis Cluster; one seed node is enough to find the others.
	Cluster *redis.ClusterOptions
}

// Mode is "single", "sentinel" or "cluster": the mode REDIS_URL was read in,
// which HOTLINE_REDIS_MODE=auto finds from the URL.
func (r *Redis) Mode() string {
	switch {
	case r.Sentinel != nil:
		return "sentinel"
	case r.Cluster != nil:
		return "cluster"
	default:
		return "single"
	}
}

// NewClient makes the go-redis client for the mode. It connects lazily, on the
// first command. Each call gets its own copy of the options, because go-redis
// fills in defaults in the options it is given and r belongs to a Config that
// may be used again.
func (r *Redis) NewClient() redis.UniversalClient {
	switch {
	case r.Sentinel != nil:
		o := *r.Sentinel
		return redis.NewFailoverClient(&o)
	case r.Cluster != nil:
		// Always the cluster client, even with one seed node: a single client
		// would not follow the cluster's MOVED replies.
		o := *r.Cluster
		return redis.NewClusterClient(&o)
	default:
		o := *r.Single
		return redis.NewClient(&o)
	}
}

// LogValue shows where Redis is without any password: the mode, the addresses
// (the Sentinels' for sentinel, the seeds' for cluster), the database, the user
// and whether TLS is on.
func (r *Redis) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("embedded")
	}
	attrs := []slog.Attr{slog.String("mode", r.Mode())}
	switch {
	case r.Sentinel != nil:
		o := r.Sentinel
		attrs = append(attrs, slog.Any("addrs", o.SentinelAddrs), slog.String("master_name", o.MasterName),
			slog.Int("db", o.DB), slog.String("user", o.Username))
	case r.Cluster != nil:
		o := r.Cluster
		attrs = append(attrs, slog.Any("addrs", o.Addrs), slog.String("user", o.Username))
	case r.Single != nil:
		o := r.Single
		attrs = append(attrs, slog.String("addr", o.Addr), slog.Int("db", o.DB), slog.String("user", o.Username))
	}
	return slog.GroupValue(append(attrs, slog.String("tls", r.tlsState()))...)
}

// tlsConfig is the TLS settings of the mode's options, nil without TLS.
func (r *Redis) tlsConfig() *tls.Config {
	switch {
	case r.Sentinel != nil:
		return r.Sentinel.TLSConfig
	case r.Cluster != nil:
		return r.Cluster.TLSConfig
	case r.Single != nil:
		return r.Single.TLSConfig
	}
	return nil
}

// insecureTLS reports TLS without a check of the server's certificate
// (skip_verify=true).
func (r *Redis) insecureTLS() bool {
	c := r.tlsConfig()
	return c != nil && c.InsecureSkipVerify
}

// tlsState says "off", "on" or "insecure" (no certificate check), for logs.
func (r *Redis) tlsState() string {
	switch {
	case r.tlsConfig() == nil:
		return "off"
	case r.insecureTLS():
		return "insecure"
	}
	return "on"
}

// parseRedis reads REDIS_URL in a mode ("" is "auto"). Its errors name neither
// the variable nor a password.
func parseRedis(raw, mode string) (*Redis, error) {
	const example = "write redis://[:password@]host:port[/db], rediss:// for TLS"
	shown := redactURL(raw)
	if host, port, err := net.SplitHostPort(raw); err == nil && isDigits(port) && !strings.ContainsAny(host, "@/") {
		// Only an address, as redis-cli takes it; or a user and a password
		// without the rest, so neither is shown.
		return nil, errors.New("it is not a URL; write redis://host:port (rediss:// for TLS)")
	}
	if err := checkUserinfo(raw, shown); err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL (%v); %s", shown, urlReason(err, raw), example)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		// go-redis also reads unix:// URLs (in single mode only). They are refused
		// here because everything below, and the README, is about host:port.
		return nil, fmt.Errorf("%q is not a redis:// or rediss:// URL; %s", shown, example)
	}
	if u.Opaque != "" || u.Host == "" {
		// go-redis would quietly use localhost:6379.
		return nil, fmt.Errorf("%q has no host; %s", shown, example)
	}
	if err := checkPort(u.Port()); err != nil {
		return nil, fmt.Errorf("%q %v", shown, err)
	}

	q := u.Query()
	switch mode {
	case "", "auto":
		switch {
		case q.Has("master_name"):
			mode = "sentinel"
		case q.Has("addr"):
			mode = "cluster"
		default:
			mode = "single"
		}
	case "single", "sentinel", "cluster":
	default:
		return nil, fmt.Errorf("HOTLINE_REDIS_MODE %q is not a mode; expected %s", mode, redisModes)
	}

	// go-redis's own messages are kept (they name the option at fault) but any
	// password is scrubbed from them, should a future version quote one.
	fail := func(err error) error {
		msg := strings.TrimPrefix(err.Error(), "redis: ")
		for _, secret := range urlSecrets(u) {
			msg = strings.ReplaceAll(msg, secret, redacted)
		}
		return fmt.Errorf("%q: %s (read in %s mode)", shown, msg, mode)
	}
	badDB := func(db int) error {
		return fmt.Errorf("%q selects database %d; expected 0 or more", shown, db)
	}

	// Reads from replicas would break a promise: after a commit whose answer was
	// lost, the hotline reads whether it was applied, and a replica that lags
	// would say no, and the person would be asked to send again an answer that
	// counted.
	for _, name := range []string{"route_by_latency", "route_randomly", "replica_only", "read_only"} {
		if v := q.Get(name); v != "" && v != "false" && v != "0" {
			return nil, fmt.Errorf("%q asks for %s: the hotline reads and writes the primary only (a replica's answer may be behind); remove it", shown, name)
		}
	}
	switch mode {
	case "sentinel":
		if q.Get("master_name") == "" {
			return nil, fmt.Errorf("%q has no master_name; in sentinel mode add ?master_name=NAME, the name the Sentinels know the primary by", shown)
		}
		o, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, fail(err)
		}
		if o.DB < 0 {
			return nil, badDB(o.DB)
		}
		o.ContextTimeoutEnabled = true
		return &Redis{Sentinel: o}, nil
	case "cluster":
		// ParseClusterURL ignores the path; a database number there would be
		// silently dropped, and Redis Cluster has only database 0.
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("%q selects database %q; Redis Cluster has only database 0, so remove it", shown, p)
		}
		o, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, fail(err)
		}
		o.ContextTimeoutEnabled = true
		return &Redis{Cluster: o}, nil
	default:
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fail(err)
		}
		if o.DB < 0 {
			return nil, badDB(o.DB)
		}
		o.ContextTimeoutEnabled = true
		return &Redis{Single: o}, nil
	}
}

// urlSecrets lists the passwords a Redis URL holds, for scrubbing messages. Very
// short ones are left out: replacing "1" everywhere would garble the message and
// hide nothing.
func urlSecrets(u *url.URL) []string {
	var secrets []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	for name, vs := range u.Query() {
		if strings.Contains(strings.ToLower(name), "password") {
			secrets = append(secrets, vs...)
		}
	}
	kept := secrets[:0]
	for _, s := range secrets {
		if len(s) >= 3 {
			kept = append(kept, s)
		}
	}
	return kept
}
