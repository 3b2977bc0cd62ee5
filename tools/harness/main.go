// Command harness proves Hotline under faults (issue 6). On loopback it starts a
// private Redis with AOF on, as in production (or, with --cluster, a 3-master Redis
// Cluster it creates itself), an in-process SMTP server that counts messages by
// Message-ID, and three `hotline serve` processes sharing them. It drives many
// senders, each with a scripted screening whose outcome is known, over the three
// processes, with a share of webhooks delivered twice (one after the other, or at
// the same moment). During the run it stops Redis and starts it again, makes the
// SMTP server refuse mail for a while, and SIGKILLs one hotline process and
// restarts it. Then it checks and prints, as Markdown:
//
//   - every conversation ended in its expected referral, and no reply was off script;
//   - each expected referral email arrived exactly once (by Message-ID), at the
//     expected intake address, and no other email arrived;
//   - no 5xx and no request over 15 s as the sender saw it;
//   - no panic in any hotline log (and how many ERROR lines there were);
//   - throughput and p50/p99/max latency outside the fault windows;
//   - Redis memory per conversation.
//
// Senders behave like a person and like Twilio: a reply that is the
// technical-problem apology means the message was not applied, so the same text is
// sent again a second later with a new MessageSid; a connection error (the killed
// process) is retried after 200 ms with the same MessageSid on another process.
//
// With --loop (issue 15) it also closes the referral loop under the same faults
// (see loop.go): the processes text people through a local Twilio
// (internal/testkit/twilioapi) and follow them up --followup-after (1m, the least
// HOTLINE_FOLLOWUP_AFTER takes) after a referral reaches an organization, quiet
// hours off. The organizations read their emails and decline (a random reason),
// accept, or never answer, on the page of the email's link, at a random process,
// some twice (back to back to another process, or at the same moment to two);
// people answer the follow-up texts YES or NO through the webhook. The SMTP refusal
// and the Redis restart come while the first organizations answer, the kill while
// the first follow-ups go out. Once every loop has nothing left to do, it checks
// each referral against its scenario's chain of organizations and its loop in
// Redis: each organization emailed once (by address and reference; no Message-ID
// twice), never one out of turn, none the history lacks and none it has without
// its email; every re-route caused by a decline or a NO; every decision applied
// once (one "recorded" page) or shown as already made; no text to a person twice
// (by To and Body at the local Twilio), none no loop promised, and every text a
// loop promised either at Twilio or in a dead letter that says why (given up on
// mid-send, by the kill or Redis down, or no longer wanted: allowed, and counted
// in the report).
//
// Run it from anywhere in the repository (it builds cmd/hotline once):
//
//	go run ./tools/harness                 # single Redis, 2,000 senders, about 3 minutes
//	go run ./tools/harness --cluster       # the same against a 3-master Redis Cluster
//	go run ./tools/harness --loop          # the referral loop, 80 senders, about 2.5 minutes
//	go run ./tools/harness --senders 200 --keep
//
// Logs of every process are kept in a temporary folder whose path is printed; it is
// removed at the end unless --keep is given or a check failed. The exit status is 0
// only when every check passed.
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
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

// errUsage means the flags were wrong; the flag package has said why.
var errUsage = errors.New("usage")

// errChecksFailed means the run went through but at least one check failed; the
// report says which.
var errChecksFailed = errors.New("at least one check failed (see the report)")

// options are the command's flags.
type options struct {
	cluster     bool
	senders     int
	concurrency int
	thinkMin    time.Duration
	thinkMax    time.Duration
	duplicates  float64
	seed        uint64
	redisAt     time.Duration
	redisDown   time.Duration
	smtpAt      time.Duration
	smtpDown    time.Duration
	killAt      time.Duration
	killDown    time.Duration
	giveUp      time.Duration
	emailWait   time.Duration
	quiet       time.Duration
	timeout     time.Duration
	logLevel    string
	hotline     string
	keep        bool
	sample      int

	// The referral loop's run (--loop): see loop.go.
	loop          bool
	followUpAfter time.Duration
	declines      float64
	accepts       float64
	twice         float64
	answerNo      float64
}

// loopDefaults are the defaults of the flags that --loop changes, unless they
// are given: fewer senders, all at once, so that the follow-ups come together;
// the SMTP refusal and the Redis restart while the first organizations get their
// emails and answer; the kill while the first follow-ups go out and are answered;
// and waits sized to two rounds of follow-ups (HOTLINE_FOLLOWUP_AFTER apart) plus
// a lease the killed process may have held (2 minutes).
var loopDefaults = map[string]string{
	"senders": "80", "concurrency": "80",
	"smtp-at": "5s", "smtp-down": "6s",
	"redis-at": "14s", "redis-down": "3s",
	"kill-at": "72s", "kill-down": "2s",
	"give-up": "2m", "email-wait": "5m", "quiet": "5s", "timeout": "8m",
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.cluster, "cluster", false, "run against a 3-master Redis Cluster instead of a single Redis")
	fs.IntVar(&o.senders, "senders", 2000, "people, each with one scripted screening (at most 8000)")
	fs.IntVar(&o.concurrency, "concurrency", 200, "senders talking at the same time")
	fs.DurationVar(&o.thinkMin, "think-min", 300*time.Millisecond, "shortest pause of a sender before each message")
	fs.DurationVar(&o.thinkMax, "think-max", 1500*time.Millisecond, "longest pause of a sender before each message")
	fs.Float64Var(&o.duplicates, "duplicates", 0.10, "share of messages delivered twice with the same MessageSid (half back to back, half at once)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the senders' pauses, process choices and duplicates")
	fs.DurationVar(&o.redisAt, "redis-at", 20*time.Second, "when Redis (a master, with --cluster) is stopped, after the load starts")
	fs.DurationVar(&o.redisDown, "redis-down", 10*time.Second, "how long Redis stays stopped")
	fs.DurationVar(&o.smtpAt, "smtp-at", 40*time.Second, "when the SMTP server starts refusing mail")
	fs.DurationVar(&o.smtpDown, "smtp-down", 60*time.Second, "how long it refuses")
	fs.DurationVar(&o.killAt, "kill-at", 70*time.Second, "when hotline process #2 gets SIGKILL")
	fs.DurationVar(&o.killDown, "kill-down", 3*time.Second, "how long after the kill it is started again")
	fs.DurationVar(&o.giveUp, "give-up", 3*time.Minute, "how long a sender keeps resending one message that gets no normal reply")
	fs.DurationVar(&o.emailWait, "email-wait", 3*time.Minute, "the longest wait for the emails after the senders finish")
	fs.DurationVar(&o.quiet, "quiet", 30*time.Second, "stop waiting for emails once nothing arrived for this long and the outbox is empty")
	fs.DurationVar(&o.timeout, "timeout", 9*time.Minute, "the whole run's limit")
	fs.StringVar(&o.logLevel, "log-level", "info", "HOTLINE_LOG_LEVEL of the hotline processes")
	fs.StringVar(&o.hotline, "hotline", "", "a hotline binary to run instead of building ./cmd/hotline")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (logs, Redis data) even when every check passed")
	fs.IntVar(&o.sample, "memory-sample", 5000, "at most this many conversation keys are measured with MEMORY USAGE")
	fs.BoolVar(&o.loop, "loop", false, "the referral loop's run: organizations accept and decline on their pages (some twice), people answer follow-up texts through a local Twilio; changes the defaults of --senders, --concurrency, the faults' times and the waits (see loopDefaults)")
	fs.DurationVar(&o.followUpAfter, "followup-after", time.Minute, "with --loop: HOTLINE_FOLLOWUP_AFTER of the hotline processes (1m is the least they take)")
	fs.Float64Var(&o.declines, "declines", 0.4, "with --loop: share of organizations that decline a referral on its page")
	fs.Float64Var(&o.accepts, "accepts", 0.25, "with --loop: share that accept it (the rest never answer: the person is followed up)")
	fs.Float64Var(&o.twice, "decide-twice", 0.4, "with --loop: share of decisions posted twice (half back to back to another process, half at once to two)")
	fs.Float64Var(&o.answerNo, "answer-no", 0.6, "with --loop: share of follow-up texts the person answers NO (the rest YES)")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if o.loop {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for name, v := range loopDefaults {
			if !given[name] {
				_ = fs.Set(name, v) // the defaults parse
			}
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "harness: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	if bad := o.problems(); len(bad) > 0 {
		fmt.Fprintln(stderr, "harness: "+strings.Join(bad, "; "))
		return o, errUsage
	}
	return o, nil
}

// problems lists what is wrong with the options.
func (o options) problems() []string {
	var bad []string
	if o.senders < 1 || o.senders > maxSenders {
		bad = append(bad, fmt.Sprintf("--senders must be 1 to %d", maxSenders))
	}
	if o.concurrency < 1 || o.concurrency > 2000 {
		bad = append(bad, "--concurrency must be 1 to 2000")
	}
	if o.thinkMin < 0 || o.thinkMax < o.thinkMin {
		bad = append(bad, "--think-min must be at least 0 and at most --think-max")
	}
	if o.duplicates < 0 || o.duplicates > 1 {
		bad = append(bad, "--duplicates must be 0 to 1")
	}
	for name, d := range map[string]time.Duration{
		"--redis-at": o.redisAt, "--redis-down": o.redisDown, "--smtp-at": o.smtpAt, "--smtp-down": o.smtpDown,
		"--kill-at": o.killAt, "--kill-down": o.killDown,
	} {
		if d < 0 {
			bad = append(bad, name+" must not be negative")
		}
	}
	if o.giveUp <= 0 || o.emailWait <= 0 || o.quiet <= 0 || o.timeout <= 0 {
		bad = append(bad, "--give-up, --email-wait, --quiet and --timeout must be positive")
	}
	switch o.logLevel {
	case "debug", "info", "warn", "error":
	default:
		bad = append(bad, "--log-level must be debug, info, warn or error")
	}
	if o.sample < 1 {
		bad = append(bad, "--memory-sample must be positive")
	}
	for name, v := range map[string]float64{"--declines": o.declines, "--accepts": o.accepts, "--decide-twice": o.twice, "--answer-no": o.answerNo} {
		if v < 0 || v > 1 {
			bad = append(bad, name+" must be 0 to 1")
		}
	}
	if o.declines+o.accepts > 1 {
		bad = append(bad, "--declines and --accepts must add up to at most 1")
	}
	if o.followUpAfter <= 0 {
		bad = append(bad, "--followup-after must be positive")
	}
	return bad
}

// String is the command line that gives these options, for the report: the
// defaults are left out.
func (o options) String() string {
	var defArgs []string
	if o.loop {
		defArgs = []string{"--loop"}
	}
	def, _ := parseFlags(defArgs, io.Discard)
	s := "go run ./tools/harness"
	add := func(changed bool, flag string, v any) {
		if changed {
			s += fmt.Sprintf(" --%s %v", flag, v)
		}
	}
	if o.cluster {
		s += " --cluster"
	}
	if o.loop {
		s += " --loop"
	}
	add(o.followUpAfter != def.followUpAfter, "followup-after", o.followUpAfter)
	add(o.declines != def.declines, "declines", o.declines)
	add(o.accepts != def.accepts, "accepts", o.accepts)
	add(o.twice != def.twice, "decide-twice", o.twice)
	add(o.answerNo != def.answerNo, "answer-no", o.answerNo)
	add(o.senders != def.senders, "senders", o.senders)
	add(o.concurrency != def.concurrency, "concurrency", o.concurrency)
	add(o.thinkMin != def.thinkMin, "think-min", o.thinkMin)
	add(o.thinkMax != def.thinkMax, "think-max", o.thinkMax)
	add(o.duplicates != def.duplicates, "duplicates", o.duplicates)
	add(o.seed != def.seed, "seed", o.seed)
	add(o.redisAt != def.redisAt, "redis-at", o.redisAt)
	add(o.redisDown != def.redisDown, "redis-down", o.redisDown)
	add(o.smtpAt != def.smtpAt, "smtp-at", o.smtpAt)
	add(o.smtpDown != def.smtpDown, "smtp-down", o.smtpDown)
	add(o.killAt != def.killAt, "kill-at", o.killAt)
	add(o.killDown != def.killDown, "kill-down", o.killDown)
	add(o.giveUp != def.giveUp, "give-up", o.giveUp)
	add(o.emailWait != def.emailWait, "email-wait", o.emailWait)
	add(o.quiet != def.quiet, "quiet", o.quiet)
	add(o.timeout != def.timeout, "timeout", o.timeout)
	add(o.logLevel != def.logLevel, "log-level", o.logLevel)
	add(o.hotline != "", "hotline", o.hotline)
	add(o.sample != def.sample, "memory-sample", o.sample)
	if o.keep {
		s += " --keep"
	}
	return s
}

// run is the whole command. It returns errChecksFailed when the run went through
// but a check failed, and another error when the run itself could not be done.
// Every process it started is stopped before it returns, on Ctrl-C and on the
// --timeout too.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout, fmt.Errorf("the --timeout of %s ran out", o.timeout))
	defer cancel()

	h, err := newHarness(o, stderr)
	if err != nil {
		return err
	}
	passed := false
	defer func() { h.close(o.keep || !passed) }()

	rep, err := h.run(ctx)
	if rep != nil {
		if werr := rep.writeMarkdown(stdout); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		// Say why the run was stopped (Ctrl-C, --timeout) unless the error does.
		if cause := context.Cause(ctx); cause != nil && !strings.Contains(err.Error(), cause.Error()) {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
		return err
	}
	if passed = rep.passed(); !passed {
		return errChecksFailed
	}
	return nil
}
