package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// openRedis returns the URL of the Redis to use and its version: the one given
// (loopback only), or a private redis-server started here, with persistence off.
// close stops what was started; it is safe to call once, also after ctx ended.
func openRedis(ctx context.Context, given string) (redisURL, version string, close func(), err error) {
	if given != "" {
		if err := checkLoopback(given); err != nil {
			return "", "", nil, err
		}
		return given, "", func() {}, nil
	}
	r, err := redisserver.New(ctx, redisserver.Options{Args: []string{"--appendonly", "no"}})
	if err != nil {
		return "", "", nil, fmt.Errorf("%w (or give a loopback Redis with --redis)", err)
	}
	return r.URL(), redisserver.Version(), func() { _ = r.Close() }, nil
}

// checkLoopback refuses a Redis that is not on this machine's loopback: a load
// test has no business sending thousands of requests anywhere else.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" {
		return fmt.Errorf("--redis %q: want redis://127.0.0.1:PORT", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--redis %q: only a loopback Redis (127.0.0.1) is allowed", raw)
	}
	return nil
}

// redisStats is what Redis says about itself at one moment.
type redisStats struct {
	// commands is total_commands_processed; it counts the commands a Lua script
	// runs as well as the script's own EVALSHA.
	commands int64
	// calls is the calls of each command (INFO commandstats), by lowercase name
	// ("evalsha", "client|setinfo").
	calls      map[string]int64
	usedMemory int64
	// clientMemory is mem_clients_normal: connections' buffers, part of usedMemory.
	clientMemory int64
}

// readStats reads INFO in one command.
func readStats(ctx context.Context, rdb *redis.Client) (redisStats, error) {
	info, err := rdb.Info(ctx, "stats", "commandstats", "memory").Result()
	if err != nil {
		return redisStats{}, fmt.Errorf("redis INFO: %w", err)
	}
	s := redisStats{calls: map[string]int64{}}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		switch {
		case name == "total_commands_processed":
			s.commands, _ = strconv.ParseInt(value, 10, 64)
		case name == "used_memory":
			s.usedMemory, _ = strconv.ParseInt(value, 10, 64)
		case name == "mem_clients_normal":
			s.clientMemory, _ = strconv.ParseInt(value, 10, 64)
		case strings.HasPrefix(name, "cmdstat_"):
			calls, _, _ := strings.Cut(strings.TrimPrefix(value, "calls="), ",")
			s.calls[strings.TrimPrefix(name, "cmdstat_")], _ = strconv.ParseInt(calls, 10, 64)
		}
	}
	return s, nil
}

// keySample is what MEMORY USAGE and OBJECT ENCODING say of a sample of keys.
type keySample struct {
	keys      int
	mean      float64
	largest   int64
	encodings map[string]int64
}

// readCPU returns the CPU time (user and system) Redis has used, from INFO cpu.
func readCPU(ctx context.Context, rdb *redis.Client) (time.Duration, error) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, fmt.Errorf("redis INFO cpu: %w", err)
	}
	var seconds float64
	for _, line := range strings.Split(info, "\n") {
		name, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "used_cpu_user" || name == "used_cpu_sys" {
			v, _ := strconv.ParseFloat(value, 64)
			seconds += v
		}
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// memoryUsage measures the given keys; missing ones are left out.
func memoryUsage(ctx context.Context, rdb *redis.Client, groups [][]string) (keySample, error) {
	s := keySample{encodings: map[string]int64{}}
	sizes := make([][]*redis.IntCmd, len(groups))
	encodings := make([][]*redis.StringCmd, len(groups))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, keys := range groups {
			for _, k := range keys {
				// SAMPLES 0 counts every field: the default looks at 5 and
				// extrapolates, which swings by 20% on a 7-field hash.
				sizes[i] = append(sizes[i], p.MemoryUsage(ctx, k, 0))
				encodings[i] = append(encodings[i], p.ObjectEncoding(ctx, k))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return s, fmt.Errorf("redis MEMORY USAGE: %w", err)
	}
	var total int64
	for i := range groups {
		var size int64
		for j := range sizes[i] {
			if sizes[i][j].Err() != nil {
				continue // expired or never written
			}
			size += sizes[i][j].Val()
			s.encodings[encodings[i][j].Val()]++
		}
		if size == 0 {
			continue // not a conversation
		}
		s.keys++
		total += size
		s.largest = max(s.largest, size)
	}
	if s.keys > 0 {
		s.mean = float64(total) / float64(s.keys)
	}
	return s, nil
}

// deleteKeys removes every key matching pattern, by SCAN and UNLINK in batches:
// the cleanup of a run on a Redis this command did not start.
func deleteKeys(ctx context.Context, rdb *redis.Client, pattern string) (int, error) {
	deleted := 0
	var cursor uint64
	for {
		batch, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return deleted, fmt.Errorf("redis SCAN: %w", err)
		}
		if len(batch) > 0 {
			if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
				return deleted, fmt.Errorf("redis UNLINK: %w", err)
			}
			deleted += len(batch)
		}
		if cursor = next; cursor == 0 {
			return deleted, nil
		}
	}
}
