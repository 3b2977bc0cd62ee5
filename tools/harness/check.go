package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// keyPrefix is HOTLINE_REDIS_PREFIX's default, which the processes run with.
const keyPrefix = "hotline:"

// expectedEmail is a referral email some sender's screening must have caused.
type expectedEmail struct {
	to      string
	senders []int     // more than one means two conversations got one reference
	at      time.Time // when the person got the reference
}

// expectedEmails maps each reference a sender was given to its intake address.
func expectedEmails(results []*senderResult) map[string]*expectedEmail {
	out := map[string]*expectedEmail{}
	for _, r := range results {
		if r == nil || r.ref == "" {
			continue
		}
		e := out[r.ref]
		if e == nil {
			e = &expectedEmail{to: r.scenario.email, at: r.refAt}
			out[r.ref] = e
		}
		e.senders = append(e.senders, r.index)
	}
	return out
}

// waitForEmails waits until every expected email arrived and the outbox is empty,
// or until nothing arrived for --quiet with the outbox empty, or --email-wait
// passed. An empty outbox matters: a job leased by the killed process comes back
// only when its lease (2 minutes) runs out, possibly as a second send.
func (h *harness) waitForEmails(ctx context.Context, expected map[string]*expectedEmail) (time.Duration, int64) {
	start := time.Now()
	lastCount, lastChange, lastLog := -1, start, start
	for {
		received := h.mail.Messages()
		arrived := 0
		seen := map[string]bool{}
		for _, m := range received {
			seen[refOf(m.MessageID())] = true
		}
		for ref := range expected {
			if seen[ref] {
				arrived++
			}
		}
		depth, err := h.outboxDepth(ctx)
		if err != nil {
			depth = -1
		}
		if len(received) != lastCount {
			lastCount, lastChange = len(received), time.Now()
		}
		if depth == 0 && (arrived == len(expected) || time.Since(lastChange) >= h.o.quiet) {
			return time.Since(start), depth
		}
		if time.Since(lastLog) >= 10*time.Second {
			h.logf("emails: %d of %d expected arrived, %d accepted in all, outbox %d", arrived, len(expected), len(received), depth)
			lastLog = time.Now()
		}
		if time.Since(start) >= h.o.emailWait || !sleepCtx(ctx, 500*time.Millisecond) {
			return time.Since(start), depth
		}
	}
}

// outboxDepth is how many jobs wait in the outbox of every shard.
func (h *harness) outboxDepth(ctx context.Context) (int64, error) {
	cmds := make([]*redis.IntCmd, redisstore.Shards)
	_, err := h.redis.shared.Pipelined(ctx, func(p redis.Pipeliner) error {
		for shard := range cmds {
			cmds[shard] = p.ZCard(ctx, fmt.Sprintf("%s{h%02d}:outbox", keyPrefix, shard))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// refOf is the referral reference a Message-ID was made from: the part before the
// first dot ("H-7F3K9.3f2a…@localhost" → "H-7F3K9"; an alert's starts "alert-").
func refOf(messageID string) string {
	ref, _, _ := strings.Cut(messageID, ".")
	return ref
}

// emailCheck is the verdict on the emails.
type emailCheck struct {
	// Of the expected referral emails: how many, and how each went.
	expected, once, missing, duplicated, wrongTo int
	// unexpected counts Message-IDs of no expected reference; alerts are those
	// of coordinator alerts among them.
	unexpected, alerts int
	// accepted and refused are the SMTP server's counts of messages.
	accepted, refused int
	// sharedRefs counts references given to two conversations.
	sharedRefs int
	examples   []string
	// delays run from the reply with the reference to the email's acceptance, for
	// the emails delivered once; slowest is the reference of the longest.
	delays  []time.Duration
	slowest string
	longest time.Duration
}

// checkEmails compares what the SMTP server accepted (the messages, and how many
// times it accepted each Message-ID) with what the screenings promised: for every
// reference exactly one Message-ID, accepted exactly once, at the right address;
// nothing else.
func checkEmails(expected map[string]*expectedEmail, received []smtpserver.Message, times map[string]int, refused int) emailCheck {
	c := emailCheck{expected: len(expected), accepted: len(received), refused: refused}
	ids := map[string][]string{} // reference → its distinct Message-IDs
	to := map[string][]string{}
	arrival := map[string]time.Time{}
	for _, m := range received {
		id := m.MessageID()
		if _, ok := to[id]; !ok { // the first time this Message-ID came
			ref := refOf(id)
			ids[ref] = append(ids[ref], id)
			to[id], arrival[id] = m.To, m.At
		}
	}
	note := func(format string, args ...any) {
		if len(c.examples) < 10 {
			c.examples = append(c.examples, fmt.Sprintf(format, args...))
		}
	}
	for ref, e := range expected {
		if len(e.senders) > 1 {
			c.sharedRefs++
			note("reference %s was given to %d conversations", ref, len(e.senders))
		}
		got := ids[ref]
		switch {
		case len(got) == 0:
			c.missing++
			note("no email for %s (sender #%d, to %s)", ref, e.senders[0], e.to)
		case len(got) > 1 || times[got[0]] > 1:
			c.duplicated++
			note("%s: Message-IDs %v received %d time(s) in all", ref, got, sumTimes(times, got))
		case len(to[got[0]]) != 1 || !strings.EqualFold(to[got[0]][0], e.to):
			c.wrongTo++
			note("%s went to %v, want %s", ref, to[got[0]], e.to)
		default:
			c.once++
			c.addDelay(ref, arrival[got[0]].Sub(e.at))
		}
	}
	slices.Sort(c.delays)
	for ref, got := range ids {
		if expected[ref] != nil {
			continue
		}
		c.unexpected += len(got)
		if strings.HasPrefix(ref, "alert-") {
			c.alerts += len(got)
		}
		note("unexpected email(s) %v", got)
	}
	return c
}

func (c *emailCheck) addDelay(ref string, d time.Duration) {
	if len(c.delays) == 0 || d > c.longest {
		c.slowest, c.longest = ref, d
	}
	c.delays = append(c.delays, d)
}

func sumTimes(times map[string]int, ids []string) int {
	n := 0
	for _, id := range ids {
		n += times[id]
	}
	return n
}

// memoryStats is what Redis holds at the end.
type memoryStats struct {
	conversations int // conversation keys found by SCAN on every master
	measured      int
	mean          float64
	largest       int64
	encodings     map[string]int
	usedMemory    int64 // summed over the masters
	sent, dead    int   // delivered-email records and dead letters
	err           error
}

// measureRedis scans every master for conversation keys, measures up to
// --memory-sample of them with MEMORY USAGE (every field counted), and counts the
// sent records and dead letters.
func (h *harness) measureRedis(ctx context.Context) memoryStats {
	m := memoryStats{encodings: map[string]int{}}
	budget := max(1, h.o.sample/len(h.redis.nodes))
	var total int64
	for _, n := range h.redis.nodes {
		keys, err := scanKeys(ctx, n.admin, keyPrefix+"*:c:*")
		if err != nil {
			m.err = err
			return m
		}
		m.conversations += len(keys)
		sum, largest, measured, err := memoryUsage(ctx, n.admin, keys[:min(len(keys), budget)], m.encodings)
		if err != nil {
			m.err = err
			return m
		}
		total += sum
		m.largest = max(m.largest, largest)
		m.measured += measured
		for pattern, count := range map[string]*int{keyPrefix + "*:sent:*": &m.sent, keyPrefix + "*:dead:*": &m.dead} {
			found, err := scanKeys(ctx, n.admin, pattern)
			if err != nil {
				m.err = err
				return m
			}
			*count += len(found)
		}
	}
	if m.usedMemory, m.err = h.usedMemory(ctx); m.err != nil {
		return m
	}
	if m.measured > 0 {
		m.mean = float64(total) / float64(m.measured)
	}
	return m
}

// usedMemory is used_memory summed over the masters.
func (h *harness) usedMemory(ctx context.Context) (int64, error) {
	var sum int64
	for _, n := range h.redis.nodes {
		fields, err := info(ctx, n.admin, "memory")
		if err != nil {
			return 0, err
		}
		sum += fields["used_memory"]
	}
	return sum, nil
}

// scanKeys returns every key of one server that matches pattern.
func scanKeys(ctx context.Context, rdb *redis.Client, pattern string) ([]string, error) {
	var keys []string
	var cursor uint64
	for {
		batch, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("redis SCAN: %w", err)
		}
		keys = append(keys, batch...)
		if cursor = next; cursor == 0 {
			return keys, nil
		}
	}
}

// memoryUsage sums MEMORY USAGE (SAMPLES 0: every part counted) of keys and
// counts their encodings; keys gone meanwhile are left out.
func memoryUsage(ctx context.Context, rdb *redis.Client, keys []string, encodings map[string]int) (sum, largest int64, measured int, err error) {
	sizes := make([]*redis.IntCmd, len(keys))
	encs := make([]*redis.StringCmd, len(keys))
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			sizes[i] = p.MemoryUsage(ctx, k, 0)
			encs[i] = p.ObjectEncoding(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, 0, fmt.Errorf("redis MEMORY USAGE: %w", err)
	}
	for i := range keys {
		if sizes[i].Err() != nil {
			continue
		}
		measured++
		sum += sizes[i].Val()
		largest = max(largest, sizes[i].Val())
		encodings[encs[i].Val()]++
	}
	return sum, largest, measured, nil
}

// logSummary is what one hotline log holds.
type logSummary struct {
	file                    string
	lines, warns, errors    int
	panics                  int
	panicLines              []string
	errorsByMsg, warnsByMsg map[string]int
}

// scanLogs reads every hotline log: lines mentioning "panic" (any case; a
// recovered panic is logged with that word, a crash prints it), ERROR and WARN
// lines counted by message.
func scanLogs(files []string) []logSummary {
	out := make([]logSummary, 0, len(files))
	for _, f := range files {
		s := logSummary{file: filepath.Base(f), errorsByMsg: map[string]int{}, warnsByMsg: map[string]int{}}
		file, err := os.Open(f)
		if err != nil {
			s.panicLines = append(s.panicLines, "cannot read: "+err.Error())
			s.panics++
			out = append(out, s)
			continue
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			s.add(sc.Text())
		}
		file.Close()
		out = append(out, s)
	}
	return out
}

func (s *logSummary) add(line string) {
	s.lines++
	if strings.Contains(strings.ToLower(line), "panic") {
		s.panics++
		if len(s.panicLines) < 5 {
			s.panicLines = append(s.panicLines, fmt.Sprintf("%.300s", line))
		}
	}
	var entry struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
	}
	if json.Unmarshal([]byte(line), &entry) != nil {
		return
	}
	switch entry.Level {
	case "ERROR":
		s.errors++
		s.errorsByMsg[entry.Msg]++
	case "WARN":
		s.warns++
		s.warnsByMsg[entry.Msg]++
	}
}

// machine describes where the run happened.
type machine struct {
	cpu, os, memory, goVersion, redis string
	cores, gomaxprocs                 int
}

func describeMachine() machine {
	m := machine{
		cpu: procField("/proc/cpuinfo", "model name"), os: osName(), goVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		redis: cmp.Or(redisserver.Version(), "unknown"), cores: runtime.NumCPU(), gomaxprocs: runtime.GOMAXPROCS(0),
	}
	// MemTotal reads like "24634312 kB".
	if f := strings.Fields(procField("/proc/meminfo", "MemTotal")); len(f) > 0 {
		if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return m
}

// procField is the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// osName is PRETTY_NAME from /etc/os-release, else GOOS.
func osName() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}
