// Command loadgen measures Hotline's SMS webhook under load and checks it against
// the bars of PRODUCT.md: POST /twilio/messages must sustain at least 0.8 of the
// throughput of a bare Echo handler doing one Redis round trip, measured in the same
// run, with at most 2 Redis round trips per inbound message and under 1 KiB of Redis
// memory per conversation.
//
// Everything runs on loopback, in this one process except Redis:
//
//   - a private redis-server on a free 127.0.0.1 port (--save "" --appendonly no, in
//     a temporary folder, stopped at exit and on Ctrl-C), unless --redis names one;
//     a Redis it did not start is never flushed: every key of a run starts with a
//     prefix of its own, and those keys are deleted at the end;
//   - phase "bare": an Echo v4 server whose only route, POST /bare, parses the form,
//     does one INCR through go-redis and answers a constant TwiML string;
//   - phase "hotline": webhook.New wired as `hotline serve` wires it (bot, Redis
//     store, the embedded sample pack, Prometheus metrics, a JSON logger at info
//     level writing to io.Discard, a real auth token, signatures checked);
//   - --senders virtual people over one shared http.Client. In the hotline phase
//     each runs the 13-message English screening to its referral, then starts again
//     as a new sender, so conversations accumulate; in the bare phase each posts
//     forms of the same sizes, signed the same way, so the client's own work is
//     the same in both phases.
//
// The phases alternate (bare, hotline, bare, hotline for --rounds 2) so that machine
// noise hits both; each is measured for --duration after a --warmup that is not
// counted. Before the phases, one signed message checks the hotline end to end and
// loads its Lua scripts into Redis, as a server that has been up for a while has.
//
// The report (Markdown, or JSON with --json) gives, per phase: requests,
// throughput, p50/p99/max latency, the CPU time per request of this process (load
// generator and server together) and of redis-server, how many cores they kept
// busy, and the server's waits for a go-redis pool connection (the hotline's
// commits ride the autopipeliner's own connections, so it waits there rarely, if
// ever). Then the ratio of
// the throughputs, and the ratio of CPU time per request, which is what the
// throughput ratio tends to when both phases are CPU-bound and is less shaken by
// other programs on the machine (a "cores busy" under the machine's count means
// something else took CPU time). Redis commands and round trips are counted by a
// go-redis hook on the hotline's client (handshakes of new connections apart) and
// cross-checked with Redis's INFO commandstats: a message waits for one round trip
// per command it sends, while the autopipeliner carries the commands of many
// messages in one; memory per conversation comes from MEMORY USAGE
// of a sample of the run's conversation keys (named by the store itself) and from
// the growth of used_memory. Any failed request makes the exit status non-zero.
//
// Run it from the repository root:
//
//	go run ./tools/loadgen                       # 200 senders, 2 rounds of 3s + 15s per phase
//	go run ./tools/loadgen --senders 50 --duration 5s --rounds 1
//	go run ./tools/loadgen --cpuprofile hotline.pprof --bare-cpuprofile bare.pprof
//	go tool pprof -top -cum hotline.pprof
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// errUsage means the flags were wrong; the flag package has said why.
var errUsage = errors.New("usage")

// options are the command's flags.
type options struct {
	senders      int
	duration     time.Duration
	warmup       time.Duration
	rounds       int
	redisURL     string
	timeout      time.Duration
	jsonOut      bool
	cpuProfile   string
	bareProfile  string
	memorySample int
	keepKeys     bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.senders, "senders", 200, "concurrent virtual people")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "measured time of each phase in each round")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured time at the start of each phase")
	fs.IntVar(&o.rounds, "rounds", 2, "how many times the bare and hotline phases alternate")
	fs.StringVar(&o.redisURL, "redis", "", "a loopback Redis to use (redis://127.0.0.1:PORT); default: start a private redis-server")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "the whole run's limit")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON instead of Markdown")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the last hotline phase's measured window to this file")
	fs.StringVar(&o.bareProfile, "bare-cpuprofile", "", "write a CPU profile of the last bare phase's measured window to this file, to compare")
	fs.IntVar(&o.memorySample, "memory-sample", 500, "how many conversation keys MEMORY USAGE looks at")
	fs.BoolVar(&o.keepKeys, "keep-keys", false, "leave this run's keys in the Redis given with --redis, to look at them")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	var bad []string
	if o.senders < 1 || o.senders > 10000 {
		bad = append(bad, "--senders must be 1 to 10000")
	}
	if o.duration <= 0 || o.warmup < 0 {
		bad = append(bad, "--duration must be positive and --warmup not negative")
	}
	if o.rounds < 1 || o.rounds > 100 {
		bad = append(bad, "--rounds must be 1 to 100")
	}
	if o.timeout <= 0 {
		bad = append(bad, "--timeout must be positive")
	}
	if o.memorySample < 1 {
		bad = append(bad, "--memory-sample must be positive")
	}
	if len(bad) > 0 {
		fmt.Fprintln(stderr, "loadgen: "+strings.Join(bad, "; "))
		return o, errUsage
	}
	return o, nil
}

// String is the command line that gives these options, for the report.
func (o options) String() string {
	s := fmt.Sprintf("go run ./tools/loadgen --senders %d --duration %s --warmup %s --rounds %d --timeout %s",
		o.senders, o.duration, o.warmup, o.rounds, o.timeout)
	if o.redisURL != "" {
		s += " --redis " + o.redisURL
	}
	if o.cpuProfile != "" {
		s += " --cpuprofile " + o.cpuProfile
	}
	if o.bareProfile != "" {
		s += " --bare-cpuprofile " + o.bareProfile
	}
	if o.memorySample != 500 {
		s += fmt.Sprintf(" --memory-sample %d", o.memorySample)
	}
	if o.keepKeys {
		s += " --keep-keys"
	}
	if o.jsonOut {
		s += " --json"
	}
	return s
}

// run is the whole command; it returns an error when anything failed, including a
// single failed request, so that the exit status says whether the figures count.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := checkSigner(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout, fmt.Errorf("the --timeout of %s ran out", o.timeout))
	defer cancel()

	redisURL, redisVersion, closeRedis, err := openRedis(ctx, o.redisURL)
	if err != nil {
		return err
	}
	defer closeRedis()

	b, err := newBench(ctx, o, redisURL, stderr)
	if err != nil {
		return err
	}
	defer b.close()
	rep, err := b.run(ctx)
	if err != nil {
		return err
	}
	rep.Machine = describeMachine(redisVersion)
	rep.Command = o.String()
	rep.Bar = 0.8
	if o.senders <= 16 {
		rep.Bar = 0.65
	}
	if o.jsonOut {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeMarkdown(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Errors > 0 {
		return fmt.Errorf("%d requests failed (first: %s)", rep.Errors, strings.Join(rep.FirstErrors, "; "))
	}
	return nil
}
