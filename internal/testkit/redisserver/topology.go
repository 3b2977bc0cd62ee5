package redisserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// clusterTimeout bounds the wait for a new cluster to serve every slot.
const clusterTimeout = 60 * time.Second

// Cluster is a Redis Cluster of masters without replicas, each a Server of its
// own that can be stopped and started again.
type Cluster struct {
	// Nodes are the masters, in the order URL names them.
	Nodes []*Server
}

// NewCluster starts n redis-servers in cluster mode, joins them with redis-cli
// --cluster create and waits until every node says cluster_state:ok. o.Args go to
// every node; with o.Dir set, the nodes keep their data in o.Dir/node-1, node-2...
func NewCluster(ctx context.Context, n int, o Options) (*Cluster, error) {
	c := &Cluster{}
	for i := range n {
		node := Options{Args: append([]string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
		}, o.Args...)}
		if o.Dir != "" {
			node.Dir = filepath.Join(o.Dir, fmt.Sprintf("node-%d", i+1))
		}
		s, err := New(ctx, node)
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append(append([]string{"--cluster", "create"}, c.Addrs()...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redisserver: redis-cli --cluster create: %w\n%s", err, out)
	}
	waitCtx, cancel := context.WithTimeout(ctx, clusterTimeout)
	defer cancel()
	if err := c.WaitOK(waitCtx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Addrs returns the nodes' host:port addresses.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// URL returns REDIS_URL for the cluster (with HOTLINE_REDIS_MODE=cluster): the
// first node, and the others as addr= parameters.
func (c *Cluster) URL() string {
	u, sep := "redis://"+c.Nodes[0].Addr, "?"
	for _, n := range c.Nodes[1:] {
		u += sep + "addr=" + n.Addr
		sep = "&"
	}
	return u
}

// WaitOK waits until every node answers and says cluster_state:ok, as after a
// node was started again; ctx bounds the wait.
func (c *Cluster) WaitOK(ctx context.Context) error {
	for _, n := range c.Nodes {
		select {
		case <-n.exitedChan():
			return fmt.Errorf("redisserver: cluster node %s is not running", n.Addr)
		default:
		}
		rdb := quietClient(n.Addr)
		// A node that is not running will not become ok: its exit ends the wait.
		err := poll(ctx, n.exitedChan(), func(ctx context.Context) error {
			if err := listening(ctx, n.Addr); err != nil {
				return err
			}
			info, err := rdb.ClusterInfo(ctx).Result()
			if err == nil && !strings.Contains(info, "cluster_state:ok") {
				err = errors.New("cluster_state is not ok")
			}
			return err
		})
		_ = rdb.Close()
		if err != nil {
			return fmt.Errorf("redisserver: cluster node %s: %w", n.Addr, err)
		}
	}
	return nil
}

// Close stops every node and removes their temporary folders.
func (c *Cluster) Close() error {
	var errs []error
	for _, n := range c.Nodes {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

// MasterName is the name a Sentinel from NewSentinel knows its master by, for
// REDIS_URL=redis://<sentinel>?master_name=mymaster.
const MasterName = "mymaster"

// NewSentinel starts a Sentinel watching master under MasterName and waits until
// it knows the master.
func NewSentinel(ctx context.Context, master *Server, o Options) (*Server, error) {
	if !master.Real() {
		return nil, errors.New("redisserver: a Sentinel needs a real redis-server as its master, not miniredis")
	}
	host, mport, _ := net.SplitHostPort(master.Addr)
	return launch(ctx, o, true, func(port, dir string) ([]string, error) {
		// Sentinel rewrites its configuration file, so it gets one of its own.
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nlogfile %s\nsentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 5000\n",
			port, dir, filepath.Join(dir, "redis.log"), MasterName, host, mport, MasterName)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			return nil, fmt.Errorf("redisserver: %w", err)
		}
		return append([]string{conf, "--sentinel"}, o.Args...), nil
	})
}
