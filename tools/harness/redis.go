package main

import (
	"bufio"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// redisNode is one redis-server and the harness's connection to it, for INFO,
// SCAN and MEMORY USAGE.
type redisNode struct {
	*redisserver.Server
	admin *redis.Client
}

// redisSetup is the Redis the hotline processes share: one server, or the masters
// of a cluster.
type redisSetup struct {
	cluster *redisserver.Cluster // nil for a single server
	nodes   []*redisNode
	// url and mode are REDIS_URL and HOTLINE_REDIS_MODE for the hotline.
	url, mode string
	// shared is a client of the whole setup (a cluster client in cluster mode), for
	// reading the outbox.
	shared redis.UniversalClient
}

// redisArgs make Redis run as in production: AOF on, fsync every second (RDB
// snapshots are off in every server redisserver starts). A restart reads the AOF
// back (and, in a cluster, nodes.conf) from the same folder.
var redisArgs = []string{"--appendonly", "yes", "--appendfsync", "everysec"}

// startRedis starts a private Redis in the run's folder: one server, or three
// cluster masters.
func (h *harness) startRedis(ctx context.Context) (*redisSetup, error) {
	o := redisserver.Options{Args: redisArgs, Dir: filepath.Join(h.dir, "redis")}
	r := &redisSetup{mode: "single"}
	var servers []*redisserver.Server
	if h.o.cluster {
		c, err := redisserver.NewCluster(ctx, 3, o)
		if err != nil {
			return nil, err
		}
		r.cluster, servers, r.url, r.mode = c, c.Nodes, c.URL(), "cluster"
		r.shared = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), DialTimeout: time.Second, ReadTimeout: 3 * time.Second})
	} else {
		s, err := redisserver.New(ctx, o)
		if err != nil {
			return nil, err
		}
		servers, r.url = []*redisserver.Server{s}, s.URL()
		r.shared = redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: time.Second, ReadTimeout: 3 * time.Second})
	}
	for _, s := range servers {
		r.nodes = append(r.nodes, &redisNode{Server: s, admin: s.Client()})
	}
	return r, nil
}

// faulted is the node the Redis fault stops: the only one, or the cluster's first
// master (the one REDIS_URL names first, the hardest to lose).
func (r *redisSetup) faulted() *redisNode { return r.nodes[0] }

// close closes the shared client and stops every server (their folders stay in
// the run's folder, which the harness removes or keeps).
func (r *redisSetup) close() {
	_ = r.shared.Close()
	for _, n := range r.nodes {
		_ = n.Close()
	}
}

// info reads INFO fields of one section as numbers.
func info(ctx context.Context, rdb *redis.Client, section string) (map[string]int64, error) {
	text, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	fields := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(value, 10, 64); err == nil {
			fields[name] = v
		}
	}
	return fields, nil
}
