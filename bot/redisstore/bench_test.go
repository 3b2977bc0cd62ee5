package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// BenchmarkCommit commits messages of 13-message screenings as the webhook does
// (state, stored reply, reminder, the referral job at the end) from 16 goroutines
// over a private redis-server. Besides the time per op it reports what each
// commit costs Redis, whose one thread every conversation shares:
// redis-cpu-µs/op (its user+system CPU time, network included) and
// script-µs/op (the time in the script, from INFO commandstats).
// Run: go test ./bot/redisstore -run '^$' -bench Commit -benchmem
func BenchmarkCommit(b *testing.B) {
	srv := redisserver.Start(b)
	if !srv.Real() {
		b.Skip("Redis's CPU time needs a real redis-server")
	}
	rdb := srv.Client()
	s := redisstore.New(rdb, "bench:")
	ctx := context.Background()
	state := []byte(strings.Repeat("s", 180))
	reply := []byte(`["Thank you. What is your ZIP code? (5 digits, like 60601)"]`)
	who := []byte(`{"c":"sms","f":"+13125550100","t":"+13125550199"}`)
	job := []byte(strings.Repeat("j", 1400))
	const perConversation = 13
	var convs atomic.Int64
	rdb.ConfigResetStat(ctx)
	cpu0 := redisCPU(b, rdb)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var conv string
		var version int64
		i := 0
		for pb.Next() {
			if i%perConversation == 0 {
				conv, version = fmt.Sprintf("conv%d", convs.Add(1)), 0
			}
			now := time.Now()
			c := bot.Commit{Version: version, State: state, StateTTL: 720 * time.Hour, Reply: reply, Now: now,
				RemindAt: now.Add(time.Hour), Who: who}
			if i%perConversation == perConversation-1 {
				c.RemindAt, c.Who = time.Time{}, nil
				c.Job = &bot.Job{Ref: "H-" + conv, Data: job}
			}
			_, ok, err := s.Commit(ctx, conv, fmt.Sprintf("SM%s-%d", conv, i), c)
			if err != nil || !ok {
				b.Errorf("commit %s %d: %v, %v", conv, i, ok, err)
				return
			}
			if version == 0 {
				version = now.UnixMilli()
			}
			version++
			i++
		}
	})
	b.StopTimer()
	b.ReportMetric((redisCPU(b, rdb)-cpu0)*1e6/float64(b.N), "redis-cpu-µs/op")
	b.ReportMetric(info(b, rdb, "commandstats", "cmdstat_evalsha:", "usec_per_call"), "script-µs/op")
}

// redisCPU returns Redis's user+system CPU time in seconds.
func redisCPU(b *testing.B, rdb *redis.Client) float64 {
	return info(b, rdb, "cpu", "used_cpu_user:", "") + info(b, rdb, "cpu", "used_cpu_sys:", "")
}

// info returns a number from INFO section: the value of the line that starts with
// prefix, or of its field named field ("a=1,b=2").
func info(b *testing.B, rdb *redis.Client, section, prefix, field string) float64 {
	b.Helper()
	text, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(text, "\n") {
		value, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if !ok {
			continue
		}
		if field != "" {
			for _, f := range strings.Split(value, ",") {
				if v, ok := strings.CutPrefix(f, field+"="); ok {
					value = v
				}
			}
		}
		x, err := strconv.ParseFloat(value, 64)
		if err != nil {
			b.Fatalf("INFO %s: %q: %v", section, line, err)
		}
		return x
	}
	b.Fatalf("INFO %s has no %s%s:\n%s", section, prefix, field, text)
	return 0
}
