package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisOptions returns the go-redis options for REDIS_URL, or nil (and no error)
// when REDIS_URL is empty, which means the embedded in-memory Redis.
//
// REDIS_URL is a redis:// or rediss:// (TLS) URL, read by go-redis:
//   - mode "single", or "auto" without the parameters below: ParseURL, e.g.
//     redis://:password@127.0.0.1:6379/2
//   - mode "sentinel", or "auto" with a master_name parameter: ParseFailoverURL; the
//     host and any addr= parameters are the Sentinels, the user info is the
//     Sentinels' login and username= and password= parameters the primary's, e.g.
//     redis://:pw@10.0.0.1:26379?master_name=mymaster&addr=10.0.0.2:26379
//   - mode "cluster", or "auto" with addr= parameters: ParseClusterURL; the host and
//     the addr= parameters are seed nodes, e.g.
//     redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000
//
// The result carries every option go-redis parsed, with IsClusterMode set in
// cluster mode (so that one seed node still makes a cluster client) and
// ContextTimeoutEnabled always set (so that request deadlines reach Redis). Pass it
// to redis.NewUniversalClient. Errors never show a password.
func (c Config) RedisOptions() (*redis.UniversalOptions, error) {
	if c.RedisURL == "" {
		return nil, nil
	}
	opts, err := redisOptions(c.RedisURL, c.RedisMode)
	if err != nil {
		return nil, fmt.Errorf("config: REDIS_URL: %v", err)
	}
	return opts, nil
}

// redisOptions parses a Redis URL in a mode ("" is "auto"). Its errors name neither
// the variable nor a password.
func redisOptions(raw, mode string) (*redis.UniversalOptions, error) {
	const example = "write redis://[:password@]host:port[/db], rediss:// for TLS"
	shown := redactURL(raw)
	if host, port, err := net.SplitHostPort(raw); err == nil && isDigits(port) && !strings.ContainsAny(host, "@/") {
		// Only an address, as redis-cli takes it.
		return nil, fmt.Errorf("%q is not a URL; write \"redis://%s\" (rediss:// for TLS)", shown, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL (%v); %s", shown, urlReason(err), example)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		// go-redis also reads unix:// URLs, but UniversalOptions has no field for
		// the network, so a socket path would be dialled as a TCP address.
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

	var opts *redis.UniversalOptions
	switch mode {
	case "single":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fail(err)
		}
		opts = fromSingle(o)
	case "sentinel":
		if q.Get("master_name") == "" {
			return nil, fmt.Errorf("%q has no master_name; in sentinel mode add ?master_name=NAME, the name the Sentinels know the primary by", shown)
		}
		o, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, fail(err)
		}
		opts = fromFailover(o)
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
		opts = fromCluster(o)
	}
	if opts.DB < 0 {
		return nil, fmt.Errorf("%q selects database %d; expected 0 or more", shown, opts.DB)
	}
	opts.ContextTimeoutEnabled = true
	return opts, nil
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

// fromSingle copies what ParseURL can set.
func fromSingle(o *redis.Options) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   []string{o.Addr},
		ClientName:              o.ClientName,
		DB:                      o.DB,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		DialerRetries:           o.DialerRetries,
		DialerRetryTimeout:      o.DialerRetryTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		ReadBufferSize:          o.ReadBufferSize,
		WriteBufferSize:         o.WriteBufferSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		PipelinePoolSize:        o.PipelinePoolSize,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		TLSConfig:               o.TLSConfig,
		DisableIdentity:         o.DisableIdentity,
		IdentitySuffix:          o.IdentitySuffix,
		UnstableResp3:           o.UnstableResp3,
		FailingTimeoutSeconds:   o.FailingTimeoutSeconds,
	}
}

// fromFailover copies what ParseFailoverURL can set; the Sentinels become Addrs.
func fromFailover(o *redis.FailoverOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   o.SentinelAddrs,
		MasterName:              o.MasterName,
		SentinelUsername:        o.SentinelUsername,
		SentinelPassword:        o.SentinelPassword,
		ClientName:              o.ClientName,
		DB:                      o.DB,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		RouteByLatency:          o.RouteByLatency,
		RouteByLatencyTolerance: o.RouteByLatencyTolerance,
		RouteRandomly:           o.RouteRandomly,
		ReadOnly:                o.ReplicaOnly,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		DialerRetries:           o.DialerRetries,
		DialerRetryTimeout:      o.DialerRetryTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		ReadBufferSize:          o.ReadBufferSize,
		WriteBufferSize:         o.WriteBufferSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		PipelinePoolSize:        o.PipelinePoolSize,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		TLSConfig:               o.TLSConfig,
		DisableIdentity:         o.DisableIdentity,
		IdentitySuffix:          o.IdentitySuffix,
		UnstableResp3:           o.UnstableResp3,
		FailingTimeoutSeconds:   o.FailingTimeoutSeconds,
	}
}

// fromCluster copies what ParseClusterURL can set.
func fromCluster(o *redis.ClusterOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   o.Addrs,
		IsClusterMode:           true,
		ClientName:              o.ClientName,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		MaxRedirects:            o.MaxRedirects,
		ReadOnly:                o.ReadOnly,
		RouteByLatency:          o.RouteByLatency,
		RouteByLatencyTolerance: o.RouteByLatencyTolerance,
		RouteRandomly:           o.RouteRandomly,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		DialerRetries:           o.DialerRetries,
		DialerRetryTimeout:      o.DialerRetryTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		ReadBufferSize:          o.ReadBufferSize,
		WriteBufferSize:         o.WriteBufferSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		PipelinePoolSize:        o.PipelinePoolSize,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		TLSConfig:               o.TLSConfig,
		DisableIdentity:         o.DisableIdentity,
		IdentitySuffix:          o.IdentitySuffix,
		UnstableResp3:           o.UnstableResp3,
		FailingTimeoutSeconds:   o.FailingTimeoutSeconds,
	}
}
