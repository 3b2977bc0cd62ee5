package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// TestRun runs the whole command briefly and checks the report against the bars
// that do not depend on the machine: no errors, at most 2 round trips waited for
// per message, under 1 KiB per conversation. Throughput is only required to be non-zero: a
// timed assertion would fail on a busy machine and prove nothing.
func TestRun(t *testing.T) {
	// The load figures mean nothing against anything but a real Redis.
	redisserver.Require(t)
	rs := redisserver.Start(t)
	var stdout, stderr bytes.Buffer
	args := []string{"--redis", rs.URL(), "--senders", "20", "--duration", "1s", "--warmup", "200ms", "--rounds", "1", "--json"}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run %v: %v\n%s\n%s", args, err, stderr.String(), stdout.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	for _, p := range []phaseRow{rep.Bare, rep.Hotline} {
		if p.Requests == 0 || p.Throughput <= 0 {
			t.Errorf("%s: %d requests, %.0f req/s; want some", p.Phase, p.Requests, p.Throughput)
		}
	}
	if rep.Errors != 0 {
		t.Errorf("%d errors: %v", rep.Errors, rep.FirstErrors)
	}
	if rep.Screenings == 0 {
		t.Errorf("no screening completed")
	}
	if rt := rep.Redis.CommandsPerMessage; rt < 1 || rt > 2 {
		// A commit retried after a conflict or a referral reference drawn twice
		// costs one more: legitimate, but rare at this scale.
		t.Errorf("%.4f Redis commands (round trips waited for) per message, want 1 to 2 (%d commands, %d messages)",
			rt, rep.Redis.Commands, rep.Redis.Messages)
	}
	// The autopipeliner batches: never more round trips than commands.
	if rt := rep.Redis.RoundTripsPerMessage; rt <= 0 || rt > rep.Redis.CommandsPerMessage {
		t.Errorf("%.4f client round trips per message (%d calls, %d pipelines, %d handshakes); want some, at most %.4f",
			rt, rep.Redis.HookCalls, rep.Redis.HookPipelines, rep.Redis.Handshakes, rep.Redis.CommandsPerMessage)
	}
	// One commit script a message; more only after a conflict.
	if rt := rep.Redis.RedisPerMessage; rt < 0.9 || rt > 1.5 {
		t.Errorf("Redis counted %.3f script calls per message, want about 1", rt)
	}
	if m := rep.Memory; m.Sampled == 0 || m.MeanBytes <= 0 || m.MeanBytes >= 1024 {
		t.Errorf("MEMORY USAGE: %.0f bytes per conversation over %d keys; want some, under 1024", m.MeanBytes, m.Sampled)
	}
	// The run's keys are gone from a Redis it did not start.
	if keys, err := rs.Client().Keys(context.Background(), "loadgen:*").Result(); err != nil || len(keys) != 0 {
		t.Errorf("%d keys left behind (%v)", len(keys), err)
	}

	t.Run("Markdown", func(t *testing.T) {
		var md bytes.Buffer
		rep.Machine, rep.Command = describeMachine("test"), "go run ./tools/loadgen"
		if err := rep.writeMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"| **hotline** | all |", "hotline / bare throughput", "round trips per message", "MEMORY USAGE"} {
			if !strings.Contains(md.String(), want) {
				t.Errorf("the Markdown report lacks %q:\n%s", want, md.String())
			}
		}
	})
}

// TestPrivateRedis: without --redis the command starts its own redis-server, with
// persistence off, and close stops it.
func TestPrivateRedis(t *testing.T) {
	redisserver.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	redisURL, version, closeRedis, err := openRedis(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "Redis server v=") {
		t.Errorf("version = %q, want redis-server's", version)
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	for name, want := range map[string]string{"save": "", "appendonly": "no"} {
		if got, err := rdb.ConfigGet(ctx, name).Result(); err != nil || got[name] != want {
			t.Errorf("CONFIG GET %s = %v, %v; want %q", name, got, err, want)
		}
	}
	closeRedis()
	if c, err := net.DialTimeout("tcp", opts.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on %s after close", opts.Addr)
	}
}

func TestSignerKnownVector(t *testing.T) {
	if err := checkSigner(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"redis://127.0.0.1:6379", true},
		{"redis://localhost:6379/1", true},
		{"redis://[::1]:6379", true},
		{"redis://10.0.0.5:6379", false},
		{"redis://redis.example.org:6379", false},
		{"rediss://127.0.0.1:6379", false},
		{"127.0.0.1:6379", false},
	}
	for _, tt := range tests {
		if err := checkLoopback(tt.url); (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
		}
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"--senders", "5", "--duration", "2s", "--rounds", "3"}, true},
		{[]string{"--senders", "0"}, false},
		{[]string{"--duration", "0s"}, false},
		{[]string{"--rounds", "0"}, false},
		{[]string{"--warmup", "-1s"}, false},
		{[]string{"extra"}, false},
		{[]string{"--nope"}, false},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("parseFlags(%q) = %v, want ok=%v", tt.args, err, tt.ok)
		}
	}
}
