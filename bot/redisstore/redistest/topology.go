package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// requireReal fails or skips a test that needs the real redis-server (Sentinel and
// Cluster have no miniredis stand-in).
func requireReal(t testing.TB, what string) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("HOTLINE_REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: %s needs redis-server: %v", what, err)
		}
		t.Skipf("redistest: SKIPPED: %s needs redis-server (apt-get install redis-server)", what)
	}
}

// StartSentinel starts a Sentinel watching master under the name "mymaster" and
// returns its address, for REDIS_URL=redis://<addr>?master_name=mymaster.
func StartSentinel(t testing.TB, master *Server) string {
	t.Helper()
	requireReal(t, "Sentinel")
	dir := t.TempDir()
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	host, mport, _ := net.SplitHostPort(master.Addr)
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nlogfile %s\nsentinel monitor mymaster %s %s 1\nsentinel down-after-milliseconds mymaster 5000\n",
		port, dir, filepath.Join(dir, "sentinel.log"), host, mport)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sentinel.Close()
	waitFor(t, "the sentinel to know its master", func(ctx context.Context) error {
		_, err := sentinel.GetMasterAddrByName(ctx, "mymaster").Result()
		return err
	})
	return addr
}

// StartCluster starts a Redis Cluster of n masters (no replicas) on free loopback
// ports and returns their addresses once every slot is served.
func StartCluster(t testing.TB, n int) []string {
	t.Helper()
	requireReal(t, "Cluster")
	addrs := make([]string, n)
	for i := range addrs {
		dir := t.TempDir()
		addrs[i] = freeAddr(t)
		_, port, _ := net.SplitHostPort(addrs[i])
		cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
			"--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatalf("redistest: start cluster node: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		rdb := redis.NewClient(&redis.Options{Addr: addrs[i]})
		waitFor(t, "a cluster node", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
		rdb.Close()
	}
	create := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		waitFor(t, "cluster_state:ok", func(ctx context.Context) error {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err == nil && !strings.Contains(info, "cluster_state:ok") {
				err = fmt.Errorf("not ok yet")
			}
			return err
		})
		rdb.Close()
	}
	return addrs
}

// ClusterURL is the REDIS_URL of a cluster (with HOTLINE_REDIS_MODE=cluster).
func ClusterURL(addrs []string) string {
	u := "redis://" + addrs[0]
	for i, a := range addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + a
	}
	return u
}

func waitFor(t testing.TB, what string, try func(context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := try(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: waited 20s for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
