package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisOptions(t *testing.T) {
	tests := []struct {
		name, url, mode string
		// What the options must hold; ContextTimeoutEnabled is checked for all.
		addrs      []string
		db         int
		master     string
		password   string
		sentinelPw string
		cluster    bool
		tls        bool
		check      func(t *testing.T, got *redis.UniversalOptions) // anything else to check
	}{
		{name: "single", url: "redis://127.0.0.1:6379/2", mode: "auto",
			addrs: []string{"127.0.0.1:6379"}, db: 2},
		{name: "single with password and TLS", url: "rediss://:pw@redis.example.org:6380/1?dial_timeout=3&pool_size=20", mode: "single",
			addrs: []string{"redis.example.org:6380"}, db: 1, password: "pw", tls: true,
			check: func(t *testing.T, got *redis.UniversalOptions) {
				if got.DialTimeout != 3*time.Second || got.PoolSize != 20 {
					t.Errorf("DialTimeout, PoolSize = %v, %d; want 3s, 20", got.DialTimeout, got.PoolSize)
				}
			}},
		{name: "single without port", url: "redis://redis", mode: "",
			addrs: []string{"redis:6379"}},
		{name: "sentinel", url: "redis://:pw@127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380", mode: "auto",
			addrs: []string{"127.0.0.1:26379", "127.0.0.1:26380"}, master: "mymaster", sentinelPw: "pw"},
		{name: "sentinel, mode named", url: "redis://10.0.0.1:26379/3?master_name=m&password=primarypw", mode: "sentinel",
			addrs: []string{"10.0.0.1:26379"}, db: 3, master: "m", password: "primarypw"},
		{name: "cluster", url: "redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", mode: "auto",
			addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}, cluster: true},
		{name: "cluster with one seed", url: "rediss://:pw@cluster.example.org:7000/0", mode: "cluster",
			addrs: []string{"cluster.example.org:7000"}, cluster: true, password: "pw", tls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := Config{RedisURL: tt.url, RedisMode: tt.mode}.RedisOptions()
			if err != nil {
				t.Fatalf("RedisOptions(%q, %q) failed: %v", tt.url, tt.mode, err)
			}
			if !reflect.DeepEqual(opts.Addrs, tt.addrs) {
				t.Errorf("Addrs = %q, want %q", opts.Addrs, tt.addrs)
			}
			if opts.DB != tt.db || opts.MasterName != tt.master || opts.Password != tt.password ||
				opts.SentinelPassword != tt.sentinelPw || opts.IsClusterMode != tt.cluster {
				t.Errorf("DB, MasterName, Password, SentinelPassword, IsClusterMode = %d, %q, %q, %q, %v; want %d, %q, %q, %q, %v",
					opts.DB, opts.MasterName, opts.Password, opts.SentinelPassword, opts.IsClusterMode,
					tt.db, tt.master, tt.password, tt.sentinelPw, tt.cluster)
			}
			if (opts.TLSConfig != nil) != tt.tls {
				t.Errorf("TLSConfig = %v, want TLS %v", opts.TLSConfig, tt.tls)
			}
			if !opts.ContextTimeoutEnabled {
				t.Error("ContextTimeoutEnabled = false; request deadlines would not reach Redis")
			}
			if tt.check != nil {
				tt.check(t, opts)
			}
		})
	}
}

func TestRedisOptionsUnset(t *testing.T) {
	opts, err := Config{}.RedisOptions()
	if opts != nil || err != nil {
		t.Errorf("RedisOptions(no REDIS_URL) = %v, %v; want nil, nil (the embedded Redis)", opts, err)
	}
}

func TestRedisOptionsErrors(t *testing.T) {
	tests := []struct {
		name, url, mode, want string
	}{
		{"garbage", "garbage", "auto",
			`config: REDIS_URL: "garbage" is not a redis:// or rediss:// URL; write redis://[:password@]host:port[/db], rediss:// for TLS`},
		{"address only", "127.0.0.1:6379", "auto",
			`config: REDIS_URL: "127.0.0.1:6379" is not a URL; write "redis://127.0.0.1:6379" (rediss:// for TLS)`},
		{"unix socket", "unix:///run/redis.sock", "auto",
			`config: REDIS_URL: "unix:///run/redis.sock" is not a redis:// or rediss:// URL; write redis://[:password@]host:port[/db], rediss:// for TLS`},
		{"no host", "redis://", "auto",
			`config: REDIS_URL: "redis://" has no host; write redis://[:password@]host:port[/db], rediss:// for TLS`},
		{"bad port", "redis://h:99999", "auto",
			`config: REDIS_URL: "redis://h:99999" has port 99999; expected a number from 1 to 65535`},
		{"bad database", "redis://:pw1234@h/x", "auto",
			`config: REDIS_URL: "redis://:xxxxx@h/x": invalid database number: "x" (read in single mode)`},
		{"negative database", "redis://h/-1", "single",
			`config: REDIS_URL: "redis://h/-1" selects database -1; expected 0 or more`},
		{"unknown option", "redis://h?pool=3", "auto",
			`config: REDIS_URL: "redis://h?pool=3": unexpected option: pool (read in single mode)`},
		{"bad timeout", "redis://h?read_timeout=soon", "auto",
			`config: REDIS_URL: "redis://h?read_timeout=soon": invalid read_timeout duration: time: invalid duration "soon" (read in single mode)`},
		{"addr in single mode", "redis://h?addr=h2:6379", "single",
			`config: REDIS_URL: "redis://h?addr=h2:6379": unexpected option: addr (read in single mode)`},
		{"sentinel without master", "redis://h:26379", "sentinel",
			`config: REDIS_URL: "redis://h:26379" has no master_name; in sentinel mode add ?master_name=NAME, the name the Sentinels know the primary by`},
		{"bad sentinel address", "redis://h:26379?master_name=m&addr=h2", "auto",
			`config: REDIS_URL: "redis://h:26379?master_name=m&addr=h2": unable to parse addr param: h2 (read in sentinel mode)`},
		{"cluster database", "redis://h:7000/2?addr=h2:7000", "auto",
			`config: REDIS_URL: "redis://h:7000/2?addr=h2:7000" selects database "2"; Redis Cluster has only database 0, so remove it`},
		{"master name in cluster mode", "redis://h:7000?master_name=m", "cluster",
			`config: REDIS_URL: "redis://h:7000?master_name=m": unexpected option: master_name (read in cluster mode)`},
		{"unknown mode", "redis://h", "ring",
			`config: REDIS_URL: HOTLINE_REDIS_MODE "ring" is not a mode; expected auto, single, sentinel or cluster`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := Config{RedisURL: tt.url, RedisMode: tt.mode}.RedisOptions()
			if err == nil {
				t.Fatalf("RedisOptions(%q, %q) = %+v, want error\n%s", tt.url, tt.mode, opts, tt.want)
			}
			if opts != nil {
				t.Errorf("RedisOptions(%q, %q) returned options with its error", tt.url, tt.mode)
			}
			if err.Error() != tt.want {
				t.Errorf("RedisOptions(%q, %q) error =\n%s\nwant\n%s", tt.url, tt.mode, err, tt.want)
			}
		})
	}
}
