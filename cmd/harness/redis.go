package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisNode is one redis-server: its address, its own data folder (AOF files and,
// in a cluster, nodes-<port>.conf) and its admin connection.
type redisNode struct {
	*child
	addr  string
	dir   string
	admin *redis.Client
}

// redisSetup is the Redis the hotline processes share: one server, or the masters
// of a cluster.
type redisSetup struct {
	cluster bool
	nodes   []*redisNode
	// url and mode are REDIS_URL and HOTLINE_REDIS_MODE for the hotline.
	url, mode string
	// shared is a client of the whole setup (a cluster client in cluster mode), for
	// reading the outbox.
	shared redis.UniversalClient
}

// startRedis starts a private Redis with AOF on: one server, or three cluster
// masters joined with redis-cli --cluster create.
func (h *harness) startRedis(ctx context.Context) (*redisSetup, error) {
	n := 1
	if h.o.cluster {
		n = 3
	}
	r := &redisSetup{cluster: h.o.cluster, mode: "single"}
	for range n {
		node, err := h.startRedisNode(ctx)
		if err != nil {
			r.close()
			return nil, err
		}
		r.nodes = append(r.nodes, node)
	}
	addrs := make([]string, n)
	for i, node := range r.nodes {
		addrs[i] = node.addr
	}
	r.url = "redis://" + addrs[0]
	if r.cluster {
		if err := createCluster(ctx, addrs); err != nil {
			r.close()
			return nil, err
		}
		r.mode = "cluster"
		sep := "?"
		for _, a := range addrs[1:] {
			r.url += sep + "addr=" + a
			sep = "&"
		}
		r.shared = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DialTimeout: time.Second, ReadTimeout: 3 * time.Second})
	} else {
		r.shared = redis.NewClient(&redis.Options{Addr: addrs[0], DialTimeout: time.Second, ReadTimeout: 3 * time.Second})
	}
	if err := r.waitHealthy(ctx, 30*time.Second); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// startRedisNode starts one redis-server on a free port, trying another port if
// the one found was taken in between.
func (h *harness) startRedisNode(ctx context.Context) (*redisNode, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server is not installed (apt-get install redis-server): %w", err)
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		node := h.newRedisNode(bin, port)
		if err := node.start(); err != nil {
			return nil, err
		}
		if lastErr = node.waitPing(ctx, 15*time.Second); lastErr == nil {
			return node, nil
		}
		node.kill()
		lastErr = fmt.Errorf("redis-server on %s: %w\n%s", node.addr, lastErr, node.logTail())
	}
	return nil, lastErr
}

// newRedisNode describes a redis-server as production runs it: AOF on, fsync every
// second, no RDB snapshots. A restart with the same arguments reads the AOF back
// (and, in a cluster, nodes-<port>.conf) from the same folder.
func (h *harness) newRedisNode(bin string, port int) *redisNode {
	dir := filepath.Join(h.dir, fmt.Sprintf("redis-%d", port))
	_ = os.MkdirAll(dir, 0o755)
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--protected-mode", "yes", "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
	}
	if h.o.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", port),
			"--cluster-node-timeout", "5000")
	}
	addr := loopback(port)
	c := h.procs.add(&child{
		name: "redis-server " + addr, path: bin, args: args, env: os.Environ(),
		logPath: filepath.Join(h.dir, fmt.Sprintf("redis-%d.log", port)),
	})
	admin := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 3 * time.Second, MaxRetries: -1})
	return &redisNode{child: c, addr: addr, dir: dir, admin: admin}
}

// waitPing waits until the server answers PING.
func (n *redisNode) waitPing(ctx context.Context, timeout time.Duration) error {
	return poll(ctx, timeout, 50*time.Millisecond, n.exited(), func(ctx context.Context) error {
		return n.admin.Ping(ctx).Err()
	})
}

// clusterOK fails unless the node says cluster_state:ok.
func (n *redisNode) clusterOK(ctx context.Context) error {
	info, err := n.admin.ClusterInfo(ctx).Result()
	if err != nil {
		return err
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return errors.New(n.addr + ": cluster_state is not ok")
	}
	return nil
}

// createCluster joins the nodes into a cluster of masters with redis-cli.
func createCluster(ctx context.Context, addrs []string) error {
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	return nil
}

// faulted is the node the Redis fault stops: the only one, or the cluster's first
// master (the one REDIS_URL names first, the hardest to lose).
func (r *redisSetup) faulted() *redisNode { return r.nodes[0] }

// waitHealthy waits until every node answers and, in a cluster, every node says
// cluster_state:ok.
func (r *redisSetup) waitHealthy(ctx context.Context, timeout time.Duration) error {
	for _, n := range r.nodes {
		err := poll(ctx, timeout, 100*time.Millisecond, n.exited(), func(ctx context.Context) error {
			if err := n.admin.Ping(ctx).Err(); err != nil || !r.cluster {
				return err
			}
			return n.clusterOK(ctx)
		})
		if err != nil {
			return fmt.Errorf("redis %s: %w", n.addr, err)
		}
	}
	return nil
}

func (r *redisSetup) close() {
	if r.shared != nil {
		_ = r.shared.Close()
	}
	for _, n := range r.nodes {
		_ = n.admin.Close()
	}
}

// redisVersion is the first line of `redis-server --version`.
func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
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
