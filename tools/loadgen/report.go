package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is everything a run measured, ready to print as Markdown or JSON.
type report struct {
	Machine machine `json:"machine"`
	Command string  `json:"command"`
	// Rounds are the phases in the order they ran.
	Rounds []phaseRow `json:"rounds"`
	// Bare and Hotline are each phase over all rounds.
	Bare    phaseRow `json:"bare"`
	Hotline phaseRow `json:"hotline"`
	// Ratio is the hotline's throughput over the bare handler's; Bar is what it
	// must reach with this many senders: 0.8 with many (where batching helps),
	// 0.65 with 16 or fewer (0.8 the aim).
	Ratio float64 `json:"ratio"`
	Bar   float64 `json:"bar"`
	// CPURatio is the bare handler's CPU time per request (this process and
	// redis-server) over the hotline's: the throughput ratio on a machine where
	// both phases are CPU-bound, whatever else runs on it.
	CPURatio      float64       `json:"cpu_ratio"`
	Redis         redisNumbers  `json:"redis"`
	Memory        memoryFigures `json:"memory"`
	Conversations int64         `json:"conversations"`
	Screenings    int64         `json:"screenings_completed"`
	Errors        int           `json:"errors"`
	FirstErrors   []string      `json:"first_errors,omitempty"`
}

type machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Go         string `json:"go"`
	OSArch     string `json:"os_arch"`
	Redis      string `json:"redis"`
}

// phaseRow is one phase, of one round or of all (Round 0).
type phaseRow struct {
	Phase      string  `json:"phase"`
	Round      int     `json:"round,omitempty"`
	Requests   int     `json:"requests"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	Errors     int     `json:"errors"`
	// ProcessCPU and RedisCPU are the CPU microseconds per request of this
	// process (load generator and server together) and of redis-server; Cores is
	// how many cores both kept busy on average.
	ProcessCPU float64 `json:"process_cpu_us_per_request"`
	RedisCPU   float64 `json:"redis_cpu_us_per_request"`
	Cores      float64 `json:"cores_busy"`
	// PoolWaits is the share of requests that waited for a connection of the
	// server's go-redis pool, PoolWait the mean wait per request in µs.
	PoolWaits float64 `json:"redis_pool_waits_per_request"`
	PoolWait  float64 `json:"redis_pool_wait_us_per_request"`
}

type redisNumbers struct {
	// Messages is every hotline message answered, warmups included: the phases'
	// Redis traffic is counted over the same span.
	Messages      int64 `json:"messages"`
	HookCalls     int64 `json:"hook_calls"`
	HookPipelines int64 `json:"hook_pipelines"`
	// Handshakes are the round trips that opened connections (HELLO, CLIENT
	// SETINFO): paid once per pooled connection, not per message.
	Handshakes int64 `json:"handshakes"`
	// Commands is the go-redis hook's count of commands sent, in pipelines or
	// not, handshakes left out.
	Commands int64 `json:"commands"`
	// CommandsPerMessage is the round trips a message waits for, one per command
	// it sends (bar: ≤ 2). The autopipeliner sends the commands of many messages
	// in one round trip, so the client's round trips (RoundTripsPerMessage: calls
	// plus pipelines, without the handshakes) are fewer; WithHandshakes counts
	// the handshakes too.
	CommandsPerMessage   float64 `json:"commands_per_message"`
	RoundTripsPerMessage float64 `json:"round_trips_per_message"`
	WithHandshakes       float64 `json:"round_trips_per_message_with_handshakes"`
	// RedisPerMessage is Redis's count of the commands the hotline's client sent,
	// handshakes left out (INFO commandstats; a script is one command).
	RedisPerMessage float64 `json:"redis_commands_per_message"`
	// ExecutedPerMessage is total_commands_processed, which also counts what the
	// Lua scripts run inside Redis.
	ExecutedPerMessage float64     `json:"executed_per_message"`
	ClientCommands     []nameCount `json:"client_commands"`
	RedisCommands      []nameCount `json:"redis_commands"`
	// BarePerRequest is the bare handler's round trips per request (hook).
	BarePerRequest float64 `json:"bare_round_trips_per_request"`
	// Shared is set when the Redis was given with --redis: other clients of it
	// would be counted in Redis's own figures.
	Shared bool `json:"shared_redis"`
}

type memoryFigures struct {
	// Sampled conversation keys, and their MEMORY USAGE.
	Sampled   int         `json:"sampled"`
	MeanBytes float64     `json:"mean_bytes"`
	MaxBytes  int64       `json:"max_bytes"`
	Encodings []nameCount `json:"encodings"`
	// UsedMemoryGrowth is used_memory's growth over the hotline phases, spread
	// over the conversations started in them.
	UsedMemoryGrowth int64 `json:"used_memory_growth"`
	// ClientsGrowth is the part of UsedMemoryGrowth that is client connections'
	// buffers (mem_clients_normal) rather than data.
	ClientsGrowth         int64   `json:"clients_growth"`
	Conversations         int64   `json:"conversations"`
	GrowthPerConversation float64 `json:"growth_per_conversation"`
	DataPerConversation   float64 `json:"growth_per_conversation_without_clients"`
	// DeliveryChange is used_memory's change while the hotline delivered the
	// referral emails the phases queued (DeliverySeconds), and
	// PerConversationDelivered the growth per conversation once they were.
	DeliveryChange           int64   `json:"delivery_change"`
	DeliverySeconds          float64 `json:"delivery_seconds"`
	PerConversationDelivered float64 `json:"per_conversation_delivered"`
}

func newReport(bare, hotline []phaseResult) *report {
	r := &report{}
	for i := range bare {
		r.Rounds = append(r.Rounds, row(bare[i]), row(hotline[i]))
	}
	allBare, allHotline := combine("bare", bare), combine("hotline", hotline)
	r.Bare, r.Hotline = row(allBare), row(allHotline)
	if r.Bare.Throughput > 0 {
		r.Ratio = r.Hotline.Throughput / r.Bare.Throughput
	}
	if cpu := r.Hotline.ProcessCPU + r.Hotline.RedisCPU; cpu > 0 {
		r.CPURatio = (r.Bare.ProcessCPU + r.Bare.RedisCPU) / cpu
	}
	r.Conversations, r.Screenings = allHotline.conversations, allHotline.screenings
	r.Errors = allBare.errors + allHotline.errors
	r.FirstErrors = append(allBare.firstErrors, allHotline.firstErrors...)
	if len(r.FirstErrors) > 5 {
		r.FirstErrors = r.FirstErrors[:5]
	}
	return r
}

func row(p phaseResult) phaseRow {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	n := len(p.latencies)
	r := phaseRow{Phase: p.kind, Round: p.round, Requests: n, Seconds: p.seconds, Errors: p.errors,
		P50ms: ms(percentile(p.latencies, 50)), P99ms: ms(percentile(p.latencies, 99))}
	if n > 0 {
		r.MaxMs = ms(p.latencies[n-1])
	}
	if p.seconds > 0 {
		r.Throughput = float64(n) / p.seconds
		r.Cores = (p.use.process + p.use.redis).Seconds() / p.seconds
	}
	if n > 0 {
		r.ProcessCPU = float64(p.use.process.Microseconds()) / float64(n)
		r.RedisCPU = float64(p.use.redis.Microseconds()) / float64(n)
		r.PoolWaits = float64(p.use.poolWaits) / float64(n)
		r.PoolWait = float64(p.use.poolWait.Microseconds()) / float64(n)
	}
	return r
}

// newRedisFigures turns the hotline totals into per-message figures. Redis's
// commandstats count the commands scripts run too; the commands this client sent
// are told apart by the names the hook saw ("client|setinfo" is "client").
func newRedisFigures(t hotlineTotals, bareTrips roundTripCount, bareMessages int64, shared bool) redisNumbers {
	r := redisNumbers{
		Messages: t.messages, HookCalls: t.trips.calls, HookPipelines: t.trips.pipelines, Handshakes: t.trips.handshakes,
		Commands:       t.trips.commands,
		ClientCommands: sortedNames(t.trips.names), RedisCommands: sortedNames(t.calls), Shared: shared,
	}
	if t.messages == 0 {
		return r
	}
	// Scripts run GET, SET and the rest themselves, and commandstats counts those
	// too; only the script calls are certainly this client's.
	var sent int64
	for name, n := range t.calls {
		if name == "evalsha" || name == "eval" {
			sent += n
		}
	}
	m := float64(t.messages)
	r.CommandsPerMessage = float64(t.trips.commands) / m
	r.RoundTripsPerMessage = float64(t.trips.total()-t.trips.handshakes) / m
	r.WithHandshakes = float64(t.trips.total()) / m
	r.RedisPerMessage = float64(sent) / m
	r.ExecutedPerMessage = float64(t.commands) / m
	if bareMessages > 0 {
		r.BarePerRequest = float64(bareTrips.total()) / float64(bareMessages)
	}
	return r
}

func describeMachine(redisVersion string) machine {
	if redisVersion == "" {
		redisVersion = "given with --redis"
	}
	return machine{
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUModel: cpuModel(),
		Go: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH, Redis: redisVersion,
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo, "" where there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeMarkdown prints the report as tables ready for BENCHMARKS.md.
func (r *report) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs (GOMAXPROCS %d)", m.CPUs, m.GOMAXPROCS)
	if m.CPUModel != "" {
		fmt.Fprintf(&b, ", %s", m.CPUModel)
	}
	fmt.Fprintf(&b, ", %s %s, %s\n\n", m.Go, m.OSArch, m.Redis)
	fmt.Fprintf(&b, "```sh\n%s\n```\n\n", r.Command)

	b.WriteString("| phase | round | requests | throughput (req/s) | p50 (ms) | p99 (ms) | max (ms) | errors | CPU µs/req: loadgen process | CPU µs/req: redis-server | cores busy | Redis pool waits/req | pool wait µs/req |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range r.Rounds {
		writeRow(&b, p, fmt.Sprint(p.Round))
	}
	writeRow(&b, r.Bare, "all")
	writeRow(&b, r.Hotline, "all")

	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	rd, mem := r.Redis, r.Memory
	fmt.Fprintf(&b, "\n| figure | value | bar |\n| --- | ---: | --- |\n")
	fmt.Fprintf(&b, "| hotline / bare throughput | **%.2f** | ≥ %.2f: %s |\n", r.Ratio, r.Bar, verdict(r.Ratio >= r.Bar))
	fmt.Fprintf(&b, "| bare / hotline CPU time per request (loadgen process + redis-server: %.0f / %.0f µs) | %.2f | |\n",
		r.Bare.ProcessCPU+r.Bare.RedisCPU, r.Hotline.ProcessCPU+r.Hotline.RedisCPU, r.CPURatio)
	fmt.Fprintf(&b, "| Redis round trips a message waits for: commands sent per message (go-redis hook: %d commands, handshakes left out, / %d messages) | **%.4f** | ≤ 2: %s |\n",
		rd.Commands, rd.Messages, rd.CommandsPerMessage, verdict(rd.CommandsPerMessage <= 2))
	fmt.Fprintf(&b, "| the client's round trips per message, batched by the autopipeliner (%d calls + %d pipelines − %d connection handshakes) | %.4f | |\n",
		rd.HookCalls, rd.HookPipelines, rd.Handshakes, rd.RoundTripsPerMessage)
	fmt.Fprintf(&b, "| the same with the handshakes | %.4f | |\n", rd.WithHandshakes)
	fmt.Fprintf(&b, "| Redis's own count of script calls (EVALSHA) per message (INFO commandstats) | %.4f | |\n", rd.RedisPerMessage)
	fmt.Fprintf(&b, "| commands Redis executed per message, those inside scripts included (total_commands_processed) | %.3f | |\n", rd.ExecutedPerMessage)
	fmt.Fprintf(&b, "| bare handler: round trips per request (hook) | %.3f | 1 |\n", rd.BarePerRequest)
	fmt.Fprintf(&b, "| bytes per conversation, MEMORY USAGE of its own keys, its string and its message ids (mean / max of %d conversations; encodings: %s) | **%.0f** / %d | < 1024: %s |\n",
		mem.Sampled, listCounts(mem.Encodings), mem.MeanBytes, mem.MaxBytes, verdict(mem.Sampled > 0 && mem.MeanBytes < 1024))
	fmt.Fprintf(&b, "| bytes per conversation once its referral email is delivered: used_memory growth / conversations started ((%d %+d B) / %d; delivery took %.1f s) | **%.0f** | < 1024: %s |\n",
		mem.UsedMemoryGrowth, mem.DeliveryChange, mem.Conversations, mem.DeliverySeconds, mem.PerConversationDelivered, verdict(mem.PerConversationDelivered < 1024))
	fmt.Fprintf(&b, "| bytes per conversation with its referral email still queued: used_memory growth / conversations started (%d B / %d) | %.0f | |\n",
		mem.UsedMemoryGrowth, mem.Conversations, mem.GrowthPerConversation)
	fmt.Fprintf(&b, "| the same without the growth of client connection buffers (%d B, mem_clients_normal) | %.0f | |\n",
		mem.ClientsGrowth, mem.DataPerConversation)
	fmt.Fprintf(&b, "\nScreenings: %d started, %d completed with the referral; errors: %d.\n", r.Conversations, r.Screenings, r.Errors)
	fmt.Fprintf(&b, "Commands the hotline's client sent: %s.\n", listCounts(rd.ClientCommands))
	fmt.Fprintf(&b, "Commands Redis ran in the hotline phases: %s.\n", listCounts(rd.RedisCommands))
	if rd.Shared {
		b.WriteString("Redis was given with --redis: its own counts include any other client's commands.\n")
	}
	for _, e := range r.FirstErrors {
		fmt.Fprintf(&b, "- error: %s\n", e)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRow(b *strings.Builder, p phaseRow, round string) {
	phase := p.Phase
	if round == "all" {
		phase = "**" + phase + "**"
	}
	fmt.Fprintf(b, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %.0f | %.2f | %.2f | %.0f |\n",
		phase, round, p.Requests, p.Throughput, p.P50ms, p.P99ms, p.MaxMs, p.Errors, p.ProcessCPU, p.RedisCPU, p.Cores,
		p.PoolWaits, p.PoolWait)
}

func listCounts(counts []nameCount) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%s %d", c.Name, c.Count)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
