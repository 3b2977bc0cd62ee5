package config

import (
	"crypto/tls"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisOptions, failoverOptions and clusterOptions are what Load must give for a
// URL: go-redis's own parse, with request deadlines reaching Redis.
func redisOptions(t *testing.T, url string) *redis.Options {
	t.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	o.ContextTimeoutEnabled = true
	return o
}

func failoverOptions(t *testing.T, url string) *redis.FailoverOptions {
	t.Helper()
	o, err := redis.ParseFailoverURL(url)
	if err != nil {
		t.Fatal(err)
	}
	o.ContextTimeoutEnabled = true
	return o
}

func clusterOptions(t *testing.T, url string) *redis.ClusterOptions {
	t.Helper()
	o, err := redis.ParseClusterURL(url)
	if err != nil {
		t.Fatal(err)
	}
	o.ContextTimeoutEnabled = true
	return o
}

func TestParseRedis(t *testing.T) {
	tests := []struct {
		name, url, mode string
		want            string // the mode read
		// What the options must hold; ContextTimeoutEnabled is checked for all.
		addrs      []string
		db         int
		master     string
		password   string
		sentinelPw string
		tls        bool
		check      func(t *testing.T, got *Redis) // anything else to check
	}{
		{name: "single", url: "redis://127.0.0.1:6379/2", mode: "auto", want: "single",
			addrs: []string{"127.0.0.1:6379"}, db: 2},
		{name: "single with password and TLS", url: "rediss://:pw@redis.example.org:6380/1?dial_timeout=3&pool_size=20", mode: "single", want: "single",
			addrs: []string{"redis.example.org:6380"}, db: 1, password: "pw", tls: true,
			check: func(t *testing.T, got *Redis) {
				if got.Single.DialTimeout != 3*time.Second || got.Single.PoolSize != 20 {
					t.Errorf("DialTimeout, PoolSize = %v, %d; want 3s, 20", got.Single.DialTimeout, got.Single.PoolSize)
				}
			}},
		{name: "single without port", url: "redis://redis", mode: "", want: "single",
			addrs: []string{"redis:6379"}},
		{name: "sentinel", url: "redis://:pw@127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380", mode: "auto", want: "sentinel",
			addrs: []string{"127.0.0.1:26379", "127.0.0.1:26380"}, master: "mymaster", sentinelPw: "pw"},
		{name: "sentinel, mode named", url: "redis://10.0.0.1:26379/3?master_name=m&password=primarypw", mode: "sentinel", want: "sentinel",
			addrs: []string{"10.0.0.1:26379"}, db: 3, master: "m", password: "primarypw"},
		{name: "cluster", url: "redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", mode: "auto", want: "cluster",
			addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}},
		{name: "cluster with one seed", url: "rediss://:pw@cluster.example.org:7000/0", mode: "cluster", want: "cluster",
			addrs: []string{"cluster.example.org:7000"}, password: "pw", tls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRedis(tt.url, tt.mode)
			if err != nil {
				t.Fatalf("parseRedis(%q, %q) failed: %v", tt.url, tt.mode, err)
			}
			if got.Mode() != tt.want {
				t.Fatalf("parseRedis(%q, %q).Mode() = %q, want %q", tt.url, tt.mode, got.Mode(), tt.want)
			}
			set := 0
			for _, p := range []bool{got.Single != nil, got.Sentinel != nil, got.Cluster != nil} {
				if p {
					set++
				}
			}
			if set != 1 {
				t.Fatalf("parseRedis(%q, %q) = %+v; want exactly one mode's options", tt.url, tt.mode, got)
			}
			// The fields each mode has, in one shape for the comparisons below.
			var (
				addrs                              []string
				db                                 int
				master, password, sentinelPassword string
				tlsConfig                          *tls.Config
				contextTimeouts                    bool
			)
			switch o := got; {
			case o.Single != nil:
				addrs, db, password, tlsConfig, contextTimeouts = []string{o.Single.Addr}, o.Single.DB, o.Single.Password, o.Single.TLSConfig, o.Single.ContextTimeoutEnabled
			case o.Sentinel != nil:
				s := o.Sentinel
				addrs, db, master, password, sentinelPassword, tlsConfig, contextTimeouts = s.SentinelAddrs, s.DB, s.MasterName, s.Password, s.SentinelPassword, s.TLSConfig, s.ContextTimeoutEnabled
			case o.Cluster != nil:
				addrs, password, tlsConfig, contextTimeouts = o.Cluster.Addrs, o.Cluster.Password, o.Cluster.TLSConfig, o.Cluster.ContextTimeoutEnabled
			}
			if !reflect.DeepEqual(addrs, tt.addrs) {
				t.Errorf("addresses = %q, want %q", addrs, tt.addrs)
			}
			if db != tt.db || master != tt.master || password != tt.password || sentinelPassword != tt.sentinelPw {
				t.Errorf("DB, MasterName, Password, SentinelPassword = %d, %q, %q, %q; want %d, %q, %q, %q",
					db, master, password, sentinelPassword, tt.db, tt.master, tt.password, tt.sentinelPw)
			}
			if (tlsConfig != nil) != tt.tls {
				t.Errorf("TLSConfig = %v, want TLS %v", tlsConfig, tt.tls)
			}
			if !contextTimeouts {
				t.Error("ContextTimeoutEnabled = false; request deadlines would not reach Redis")
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestRedisNewClient: each mode gets go-redis's client for it; one seed node
// still makes a cluster client. No server is needed: go-redis connects on the
// first command.
func TestRedisNewClient(t *testing.T) {
	tests := []struct {
		url, mode string
		want      redis.UniversalClient
	}{
		{"redis://127.0.0.1:6379/2", "auto", &redis.Client{}},
		{"redis://127.0.0.1:26379?master_name=m", "auto", &redis.Client{}},
		{"redis://127.0.0.1:7000?addr=127.0.0.1:7001", "auto", &redis.ClusterClient{}},
		{"redis://127.0.0.1:7000", "cluster", &redis.ClusterClient{}},
	}
	for _, tt := range tests {
		r, err := parseRedis(tt.url, tt.mode)
		if err != nil {
			t.Fatalf("parseRedis(%q, %q): %v", tt.url, tt.mode, err)
		}
		rdb := r.NewClient()
		if reflect.TypeOf(rdb) != reflect.TypeOf(tt.want) {
			t.Errorf("parseRedis(%q, %q).NewClient() = %T, want %T", tt.url, tt.mode, rdb, tt.want)
		}
		_ = rdb.Close()
		// go-redis fills in defaults in the options it gets; the Config's must
		// stay as Load made them.
		if fresh, _ := parseRedis(tt.url, tt.mode); !reflect.DeepEqual(r, fresh) {
			t.Errorf("NewClient changed the options of %q:\n%+v\nwant\n%+v", tt.url, r, fresh)
		}
	}
}

// TestRedisReplicaReads: options that read from replicas are refused, since a
// replica's answer may be behind the primary's.
func TestRedisReplicaReads(t *testing.T) {
	for _, u := range []string{
		"redis://127.0.0.1:26379?master_name=m&route_randomly=true",
		"redis://127.0.0.1:26379?master_name=m&replica_only=true",
		"redis://127.0.0.1:7000?addr=127.0.0.1:7001&read_only=true",
		"redis://127.0.0.1:7000?addr=127.0.0.1:7001&route_by_latency=true",
	} {
		if _, err := parseRedis(u, "auto"); err == nil || !strings.Contains(err.Error(), "primary only") {
			t.Errorf("parseRedis(%q) = %v; want it refused", u, err)
		}
	}
	if _, err := parseRedis("redis://127.0.0.1:7000?addr=127.0.0.1:7001&read_only=false", "auto"); err != nil {
		t.Errorf("read_only=false refused: %v", err)
	}
}

func TestRedisLogValue(t *testing.T) {
	tests := []struct {
		url, mode string
		want      string
	}{
		{"", "", "redis=embedded"},
		{"rediss://app:hunter22@h:6380/2", "auto", "redis.mode=single redis.addr=h:6380 redis.db=2 redis.user=app redis.tls=on"},
		{"redis://:hunter22@s1:26379?master_name=m&addr=s2:26379&password=hunter23", "auto",
			"redis.mode=sentinel redis.addrs=\"[s1:26379 s2:26379]\" redis.master_name=m redis.db=0 redis.user=\"\" redis.tls=off"},
		{"redis://:hunter22@c1:7000?addr=c2:7000", "auto", "redis.mode=cluster redis.addrs=\"[c1:7000 c2:7000]\" redis.user=\"\" redis.tls=off"},
	}
	for _, tt := range tests {
		var r *Redis
		if tt.url != "" {
			var err error
			if r, err = parseRedis(tt.url, tt.mode); err != nil {
				t.Fatal(err)
			}
		}
		var b strings.Builder
		slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
				return slog.Attr{}
			}
			return a
		}})).Info("", "redis", r)
		if got := strings.TrimSpace(b.String()); got != tt.want {
			t.Errorf("logged %q as\n%s\nwant\n%s", tt.url, got, tt.want)
		}
		if strings.Contains(b.String(), "hunter") {
			t.Errorf("logged %q with its password: %s", tt.url, b.String())
		}
	}
}

func TestParseRedisErrors(t *testing.T) {
	tests := []struct {
		name, url, mode, want string
	}{
		{"garbage", "garbage", "auto",
			`config: REDIS_URL: "garbage" is not a redis:// or rediss:// URL; write redis://[:password@]host:port[/db], rediss:// for TLS`},
		{"address only", "127.0.0.1:6379", "auto",
			`config: REDIS_URL: it is not a URL; write redis://host:port (rediss:// for TLS)`},
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
		{"negative database, sentinel", "redis://h:26379/-1?master_name=m", "auto",
			`config: REDIS_URL: "redis://h:26379/-1?master_name=m" selects database -1; expected 0 or more`},
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
		{"slash in the password", "redis://:pa/ss@h:6379", "auto",
			`config: REDIS_URL: "redis://xxxxx@h:6379" has "/", "?" or "#" before its last "@"; percent-encode them in a user name or password as %2F, %3F and %23, and an "@" anywhere else as %40`},
		{"@ in a query password", "redis://h:26379?master_name=m&password=a@b", "auto",
			`config: REDIS_URL: "redis://h:26379?master_name=m&password=xxxxx" has "/", "?" or "#" before its last "@"; percent-encode them in a user name or password as %2F, %3F and %23, and an "@" anywhere else as %40`},
		{"master name in cluster mode", "redis://h:7000?master_name=m", "cluster",
			`config: REDIS_URL: "redis://h:7000?master_name=m": unexpected option: master_name (read in cluster mode)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"REDIS_URL": tt.url, "HOTLINE_REDIS_MODE": tt.mode}
			c, err := Load(envOf(env), "")
			if err == nil {
				t.Fatalf("Load(%q) = %+v, want error\n%s", env, c.Redis, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Load(%q) error =\n%s\nwant\n%s", env, err, tt.want)
			}
		})
	}
	// Load checks the mode first; parseRedis still refuses one it does not know.
	if r, err := parseRedis("redis://h", "ring"); r != nil || err == nil ||
		err.Error() != `HOTLINE_REDIS_MODE "ring" is not a mode; expected auto, single, sentinel or cluster` {
		t.Errorf(`parseRedis("redis://h", "ring") = %v, %v`, r, err)
	}
}
