package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/courtday"
	"github.com/hotline-legal/hotline/pack"
)

// bench is one run: the servers, the client and the running totals.
type bench struct {
	o        options
	stderr   io.Writer
	prefix   string        // every key of the run starts with it
	external bool          // Redis was given with --redis: share it politely
	admin    *redis.Client // INFO, MEMORY USAGE, cleanup; not counted
	bare     *server
	hotline  *server
	client   *http.Client
	script   []string
	sidSalt  string
	sids     atomic.Uint64
	numbers  atomic.Int64
	// keys names the hotline's keys, for the memory sample.
	keys *redisstore.Store
}

// newBench starts both servers on one Redis and checks that the hotline is ready
// and really checks signatures.
func newBench(ctx context.Context, o options, redisURL string, stderr io.Writer) (*bench, error) {
	sample, _, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		return nil, fmt.Errorf("the sample pack: %w", err)
	}
	adminOpts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	salt := newSalt()
	b := &bench{
		o: o, stderr: stderr, prefix: "loadgen:" + salt + ":", external: o.redisURL != "",
		admin:   redis.NewClient(adminOpts),
		script:  screening(sample.Flow.Location),
		sidSalt: salt,
		client: &http.Client{
			Timeout: 15 * time.Second, // Twilio's own wait
			Transport: &http.Transport{
				MaxIdleConns:        2 * o.senders,
				MaxIdleConnsPerHost: o.senders,
				IdleConnTimeout:     time.Minute,
				DisableCompression:  true,
			},
		},
	}
	b.keys = redisstore.New(b.admin, b.prefix+"h:") // names keys only
	if b.hotline, err = startHotline(redisURL, b.prefix+"h:"); err != nil {
		b.close()
		return nil, err
	}
	if b.bare, err = startBare(redisURL, b.prefix+"b:", b.hotline.app.Server()); err != nil {
		b.close()
		return nil, err
	}
	if err := b.checkHotline(ctx); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// screening is the script with the court date five days from today in the
// hotline's time zone (the server's "today").
func screening(loc *time.Location) []string {
	date := courtday.Soon(time.Now().In(loc))
	script := append([]string(nil), screeningScript...)
	for i, s := range script {
		if s == "<date>" {
			script[i] = date
		}
	}
	return script
}

// checkHotline wants /readyz to say ready, a wrongly signed message refused (a run
// with the signature check off would flatter the hotline) and a rightly signed one
// answered. That first message also loads the store's Lua scripts into Redis (the
// first EVALSHA of each gets NOSCRIPT and go-redis falls back to EVAL, once per
// Redis start), so the phases see the steady state a long-running server sees.
func (b *bench) checkHotline(ctx context.Context) error {
	resp, err := b.client.Get(b.hotline.url + "/readyz")
	if err != nil {
		return fmt.Errorf("hotline /readyz: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("hotline /readyz: status %d", resp.StatusCode)
	}
	form := b.twilioForm("+13125550199", "hi")
	body := form.Encode()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.hotline.url+messagePath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature("not-the-token", publicURL+messagePath, form))
	resp, err = b.client.Do(req)
	if err != nil {
		return fmt.Errorf("hotline, wrongly signed message: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		return fmt.Errorf("hotline answered a wrongly signed message with %d, want 403: the signature check is off", resp.StatusCode)
	}
	status, reply, err := b.post(ctx, b.hotline.url, messagePath, form)
	if problem := checkTwiML(status, reply, err); problem != "" {
		return fmt.Errorf("hotline, first signed message: %s", problem)
	}
	return nil
}

func (b *bench) close() {
	if b.bare != nil {
		b.bare.close()
	}
	if b.hotline != nil {
		b.hotline.close()
	}
	if b.external && !b.o.keepKeys {
		// Leave a shared Redis as it was: only this run's keys, found by prefix.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := deleteKeys(ctx, b.admin, b.prefix+"*"); err != nil {
			fmt.Fprintf(b.stderr, "loadgen: could not delete this run's keys (%s*): %v\n", b.prefix, err)
		}
	}
	_ = b.admin.Close()
	b.client.CloseIdleConnections()
}

// hotlineTotals adds up what the hotline phases cost Redis.
type hotlineTotals struct {
	messages      int64
	conversations int64
	trips         roundTripCount
	// commands is total_commands_processed over the phases, INFO excluded.
	commands int64
	// calls is INFO commandstats over the phases.
	calls        map[string]int64
	memoryGrowth int64
	// clientsGrowth is the part of memoryGrowth that is client connections'
	// buffers (mem_clients_normal), not data.
	clientsGrowth int64
}

// run alternates the phases, then measures memory per conversation.
func (b *bench) run(ctx context.Context) (*report, error) {
	var bare, hotline []phaseResult
	totals := hotlineTotals{calls: map[string]int64{}}
	var bareTrips roundTripCount
	var bareMessages int64
	for round := 1; round <= b.o.rounds; round++ {
		profile, bareProfile := "", ""
		if round == b.o.rounds {
			profile, bareProfile = b.o.cpuProfile, b.o.bareProfile
		}
		before := b.bare.trips.snapshot()
		p, err := b.runPhase(ctx, "bare", round, bareProfile)
		if err != nil {
			return nil, err
		}
		bareTrips = bareTrips.add(b.bare.trips.snapshot().since(before))
		bareMessages += p.messages
		bare = append(bare, p)
		b.progress(p)

		if p, err = b.hotlinePhase(ctx, round, profile, &totals); err != nil {
			return nil, err
		}
		hotline = append(hotline, p)
		b.progress(p)
	}
	rep := newReport(bare, hotline)
	rep.Redis = newRedisFigures(totals, bareTrips, bareMessages, b.external)
	mem, err := b.memory(ctx, totals)
	if err != nil {
		return nil, err
	}
	delta, took, err := b.deliver(ctx)
	if err != nil {
		return nil, err
	}
	mem.DeliveryChange, mem.DeliverySeconds = delta, took.Seconds()
	if totals.conversations > 0 {
		mem.PerConversationDelivered = float64(totals.memoryGrowth+delta) / float64(totals.conversations)
	}
	rep.Memory = mem
	return rep, nil
}

// hotlinePhase runs a hotline phase between two looks at Redis and at the hook.
func (b *bench) hotlinePhase(ctx context.Context, round int, profile string, t *hotlineTotals) (phaseResult, error) {
	before, err := readStats(ctx, b.admin)
	if err != nil {
		return phaseResult{}, err
	}
	trips := b.hotline.trips.snapshot()
	p, err := b.runPhase(ctx, "hotline", round, profile)
	if err != nil {
		return p, err
	}
	after, err := readStats(ctx, b.admin)
	if err != nil {
		return p, err
	}
	t.trips = t.trips.add(b.hotline.trips.snapshot().since(trips))
	t.messages += p.messages
	t.conversations += p.conversations
	t.memoryGrowth += after.usedMemory - before.usedMemory
	t.clientsGrowth += after.clientMemory - before.clientMemory
	infos := after.calls["info"] - before.calls["info"] // the first INFO is counted by the second
	t.commands += after.commands - before.commands - infos
	for name, n := range after.calls {
		if d := n - before.calls[name]; d != 0 && name != "info" {
			t.calls[name] += d
		}
	}
	return p, nil
}

// memory measures bytes per conversation: MEMORY USAGE of the keys of a sample of
// the run's conversations, and used_memory's growth over the hotline phases.
func (b *bench) memory(ctx context.Context, t hotlineTotals) (memoryFigures, error) {
	sample, err := memoryUsage(ctx, b.admin, b.conversationKeys())
	if err != nil {
		return memoryFigures{}, err
	}
	m := memoryFigures{
		Sampled: sample.keys, MeanBytes: sample.mean, MaxBytes: sample.largest, Encodings: sortedNames(sample.encodings),
		UsedMemoryGrowth: t.memoryGrowth, ClientsGrowth: t.clientsGrowth, Conversations: t.conversations,
	}
	if t.conversations > 0 {
		m.GrowthPerConversation = float64(t.memoryGrowth) / float64(t.conversations)
		m.DataPerConversation = float64(t.memoryGrowth-t.clientsGrowth) / float64(t.conversations)
	}
	return m, nil
}

// conversationKeys returns the Redis keys of up to --memory-sample conversations
// of the run, spread evenly over them: each conversation's keys together (its
// string and its message ids). The store names them, so the sample follows
// whatever key layout it uses, and holds no other kind of key.
func (b *bench) conversationKeys() [][]string {
	n := b.numbers.Load()
	k := min(int64(b.o.memorySample), n)
	keys := make([][]string, 0, k)
	for i := int64(0); i < k; i++ {
		conv := hotline.Conversation{Channel: "sms", From: senderNumber(1 + i*n/k), To: hotlineNo}
		keys = append(keys, b.keys.Keys(b.hotline.app.Keys().Of(conv)))
	}
	return keys
}

// deliver runs the hotline as `hotline serve` does (app.Run: its outbox worker
// among the rest) until every referral email the screenings queued is
// delivered, and returns used_memory's change meanwhile: memory per conversation
// counts what a conversation leaves once its email is gone (the conversation,
// its message ids, its reference's marker), not the queue, which a running
// hotline empties in seconds.
func (b *bench) deliver(ctx context.Context) (delta int64, took time.Duration, err error) {
	before, err := readStats(ctx, b.admin)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.hotline.app.Run(runCtx) }()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		depth, _, err := b.keys.OutboxStats(ctx)
		if err == nil && depth == 0 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			<-done
			return 0, 0, fmt.Errorf("the outbox still held %d emails after 5 minutes (%v)", depth, err)
		}
		select {
		case <-ctx.Done():
			stop()
			<-done
			return 0, 0, ctx.Err()
		case err := <-done:
			stop()
			return 0, 0, fmt.Errorf("the hotline stopped while delivering: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	took = time.Since(start)
	stop()
	if err := <-done; err != nil {
		return 0, 0, err
	}
	after, err := readStats(ctx, b.admin)
	if err != nil {
		return 0, 0, err
	}
	return after.usedMemory - before.usedMemory, took, nil
}

// progress tells stderr how a phase went, so a long run shows signs of life.
func (b *bench) progress(p phaseResult) {
	fmt.Fprintf(b.stderr, "loadgen: round %d %-7s %7d requests %8.0f req/s  p50 %s  p99 %s  errors %d\n",
		p.round, p.kind, len(p.latencies), float64(len(p.latencies))/p.seconds,
		percentile(p.latencies, 50).Round(time.Microsecond), percentile(p.latencies, 99).Round(time.Microsecond), p.errors)
}
