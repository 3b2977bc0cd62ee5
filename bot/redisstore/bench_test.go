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

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/flows"
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
	state := flows.State{Step: "household", History: []string{"language", "consent", "safety", "zip", "problem", "court_papers", "court_date", "opponent"}}
	for _, a := range []string{"language=en", "zip=60612", "case_type=housing", "court_papers=yes", "court_date=2026-11-30", "opponent=Acme Properties", "urgent=yes", "urgent_reason=court hearing within 14 days"} {
		name, value, _ := strings.Cut(a, "=")
		state.Set(name, value)
	}
	reply := []string{"Thank you. What is your ZIP code? (5 digits, like 60601)"}
	who := hotline.Conversation{Channel: "sms", From: "+13125550100", To: "+13125550199"}
	ref := &hotline.Referral{Ref: "H-7F3K9", OrgID: "tenant-clinic", Name: strings.Repeat("j", 1000)}
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
			c := bot.Change{Version: version, State: state, TTL: 720 * time.Hour, Replies: reply, Now: now,
				Reminder: &bot.Reminder{At: now.Add(time.Hour), To: who}}
			if i%perConversation == perConversation-1 {
				r := *ref
				r.Ref = "H-" + conv
				c.Reminder = nil
				c.Email = &bot.Email{Kind: bot.EmailReferral, ID: "0123456789abcdef", Created: now, Referral: &r}
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
