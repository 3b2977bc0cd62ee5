package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// report is everything a run found; verdict turns it into the checked figures.
type report struct {
	o          options
	dir        string
	redisURL   string
	t0         time.Time // the load began
	loadEnd    time.Time // the last sender finished
	faults     []*fault
	results    []*senderResult
	expected   map[string]*expectedEmail
	emailWait  time.Duration
	outboxLeft int64
	received   []smtpserver.Message
	counts     map[string]int // by Message-ID
	refused    int
	memory     memoryStats
	memBefore  int64 // used_memory (summed) when the load began
	exits      []string
	logs       []logSummary
	machine    machine
	elapsed    time.Duration
	// loop is what the --loop run left; nil without it.
	loop *loopOutcome
}

// summary is the report's figures.
type summary struct {
	senders, reached, lost, offBeat int
	scenarios                       []scenarioRow
	problems                        []string
	requests                        int
	byKind                          map[kind]int
	byOutcome                       map[outcome]int
	pairs, mismatches               int
	mismatchExamples                []string
	emails                          emailCheck
	loop                            loopVerdict
	panics, errors                  int
	latency                         []latencyRow
	faultErrors                     []string
	uncleanExits                    int
}

type scenarioRow struct {
	name, outcome string
	senders       int
	reached       int
	email         string
}

// latencyRow is throughput and latency over part of the run.
type latencyRow struct {
	name          string
	requests      int
	seconds       float64
	p50, p99, max time.Duration
}

// check is one line of the verdict.
type check struct {
	name, value, want string
	ok                bool
}

// verdict computes the figures.
func (r *report) verdict() summary {
	s := summary{senders: r.o.senders, byKind: map[kind]int{}, byOutcome: map[outcome]int{}}
	r.summarizeSenders(&s)
	s.emails = checkEmails(r.expected, r.received, r.counts, r.refused)
	if r.loop != nil {
		s.loop = r.loop.verdict(r.received, r.counts)
	}
	for _, l := range r.logs {
		s.panics += l.panics
		s.errors += l.errors
	}
	for _, f := range r.faults {
		if f.err != nil || f.end.IsZero() {
			s.faultErrors = append(s.faultErrors, fmt.Sprintf("%s: %v", f.name, f.err))
		}
	}
	for _, e := range r.exits {
		if e != "exit status 0" {
			s.uncleanExits++
		}
	}
	s.latency = r.latency()
	return s
}

// summarizeSenders counts conversations and requests.
func (r *report) summarizeSenders(s *summary) {
	rows := map[string]*scenarioRow{}
	var order []string
	for _, res := range r.results {
		if res == nil {
			s.lost++
			continue
		}
		sc := res.scenario
		row := rows[sc.name]
		if row == nil {
			row = &scenarioRow{name: sc.name, outcome: sc.outcome, email: sc.email}
			rows[sc.name] = row
			order = append(order, sc.name)
		}
		row.senders++
		if res.reached {
			s.reached++
			row.reached++
		} else {
			s.lost++
		}
		if res.offBeat {
			s.offBeat++
		}
		if res.problem != "" && len(s.problems) < 10 {
			s.problems = append(s.problems, fmt.Sprintf("sender #%d (%s, %s): %s", res.index, res.phone, sc.name, res.problem))
		}
		for _, q := range res.requests {
			s.requests++
			s.byKind[q.kind]++
			s.byOutcome[q.outcome]++
		}
		s.pairs += res.pairs
		s.mismatches += res.mismatches
		if res.mismatch != "" && len(s.mismatchExamples) < 5 {
			s.mismatchExamples = append(s.mismatchExamples, fmt.Sprintf("sender #%d: %s", res.index, res.mismatch))
		}
	}
	for _, name := range order {
		s.scenarios = append(s.scenarios, *rows[name])
	}
}

// latency gives throughput and latency for the whole run, outside the windows of
// the faults that touch the webhook (Redis, the killed process), and outside
// every fault window; each window is widened by 2 s on both sides.
func (r *report) latency() []latencyRow {
	const margin = 2 * time.Second
	return []latencyRow{
		r.latencyOutside("whole run", nil),
		r.latencyOutside("outside the Redis and kill windows (±2 s)", windows(r.faults, margin, true)),
		r.latencyOutside("outside every fault window (Redis, SMTP, kill; ±2 s)", windows(r.faults, margin, false)),
	}
}

// latencyOutside measures the requests that were answered (or timed out) wholly
// outside the windows, over the load's time less the windows.
func (r *report) latencyOutside(name string, ws []window) latencyRow {
	row := latencyRow{name: name, seconds: r.loadEnd.Sub(r.t0).Seconds() - covered(ws, r.t0, r.loadEnd).Seconds()}
	var lat []time.Duration
	for _, res := range r.results {
		if res == nil {
			continue
		}
		for _, q := range res.requests {
			// After the load (--loop: people answering follow-ups) is not
			// in the load's seconds.
			if q.outcome == connFailed || q.outcome == aborted || overlaps(ws, q.start, q.end) || q.start.After(r.loadEnd) {
				continue
			}
			lat = append(lat, q.end.Sub(q.start))
		}
	}
	slices.Sort(lat)
	row.requests = len(lat)
	if len(lat) > 0 {
		row.p50, row.p99, row.max = percentile(lat, 50), percentile(lat, 99), lat[len(lat)-1]
	}
	return row
}

func overlaps(ws []window, from, to time.Time) bool {
	for _, w := range ws {
		if from.Before(w.to) && to.After(w.from) {
			return true
		}
	}
	return false
}

// covered is how much of [from, to) the windows cover, overlaps counted once.
func covered(ws []window, from, to time.Time) time.Duration {
	sorted := slices.Clone(ws)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].from.Before(sorted[j].from) })
	var total time.Duration
	cursor := from
	for _, w := range sorted {
		start, end := maxTime(w.from, cursor), minTime(w.to, to)
		if end.After(start) {
			total += end.Sub(start)
			cursor = end
		}
	}
	return total
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// checks are the pass/fail lines; the run passes when all are ok.
func (r *report) checks(s summary) []check {
	n := func(v int) string { return fmt.Sprint(v) }
	zero := func(name string, v int) check { return check{name: name, value: n(v), want: "0", ok: v == 0} }
	checks := []check{
		{name: "conversations that reached their expected outcome", value: fmt.Sprintf("%d / %d", s.reached, s.senders), want: "all", ok: s.reached == s.senders},
		zero("conversations lost (did not reach it)", s.lost),
		zero("conversations with a reply off script before the end", s.offBeat),
	}
	if r.loop != nil {
		// Referrals go on to other organizations: the loop's checks say
		// which emails each must have caused.
		checks = append(checks, loopChecks(s.loop, r.loop)...)
		checks = append(checks, zero("references given to two conversations", s.emails.sharedRefs))
	} else {
		checks = append(checks,
			check{name: "referral emails delivered exactly once, to the right address", value: fmt.Sprintf("%d / %d", s.emails.once, s.emails.expected), want: "all", ok: s.emails.once == s.emails.expected},
			zero("referral emails missing", s.emails.missing),
			zero("referral emails duplicated (a Message-ID twice, or two for one reference)", s.emails.duplicated),
			zero("referral emails to the wrong address", s.emails.wrongTo),
			zero("unexpected emails (coordinator alerts included)", s.emails.unexpected),
			zero("references given to two conversations", s.emails.sharedRefs),
		)
	}
	dead := zero("dead letters", r.memory.dead)
	if r.loop != nil {
		dead = check{name: "dead letters (texts given up on mid-send or no longer wanted allowed: see the loop's figures)", value: n(r.memory.dead), want: "–", ok: true}
	}
	return append(checks,
		zero("5xx responses", s.byOutcome[serverErr]),
		zero("requests with no answer within 15 s", s.byOutcome[timedOut]),
		zero("other statuses or bodies that are not TwiML", s.byOutcome[badReply]),
		zero("duplicate deliveries answered differently", s.mismatches),
		zero("lines with \"panic\" in the hotline logs", s.panics),
		zero("jobs left in the outbox", int(r.outboxLeft)),
		dead,
		zero("faults not played or not recovered", len(s.faultErrors)),
		zero("hotline processes not exiting cleanly on SIGTERM at the end", s.uncleanExits),
	)
}

// passed reports whether every check is ok.
func (r *report) passed() bool {
	for _, c := range r.checks(r.verdict()) {
		if !c.ok {
			return false
		}
	}
	return true
}

// writeMarkdown prints the report.
func (r *report) writeMarkdown(w io.Writer) error {
	s := r.verdict()
	var b strings.Builder
	r.writeHeader(&b)
	r.writeChecks(&b, s)
	r.writeFaults(&b)
	writeScenarios(&b, s)
	writeRequests(&b, s)
	writeLatency(&b, s)
	if r.loop != nil {
		writeLoop(&b, s.loop, r.loop, r.o)
		fmt.Fprintf(&b, "The SMTP server accepted %d messages and refused %d with 451 during its outage; %d sent records in Redis (`sent:<ref>`, texts included).\n\n",
			len(r.received), r.refused, r.memory.sent)
	} else {
		writeEmails(&b, s, r)
	}
	r.writeMemory(&b)
	r.writeLogs(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *report) writeHeader(b *strings.Builder) {
	mode := "single Redis (AOF on, appendfsync everysec)"
	if r.o.cluster {
		mode = "3-master Redis Cluster (AOF on, appendfsync everysec, no replicas)"
	}
	verdict := "**PASSED**"
	if !r.passed() {
		verdict = "**FAILED**"
	}
	fmt.Fprintf(b, "# Hotline under faults: %s\n\n", verdict)
	fmt.Fprintf(b, "- command: `%s`\n", r.o)
	fmt.Fprintf(b, "- Redis: %s, `%s`\n", mode, r.redisURL)
	fmt.Fprintf(b, "- 3 `hotline serve` processes, %d senders (%d at a time, pauses %s–%s), %.0f%% of messages delivered twice\n",
		r.o.senders, r.o.concurrency, r.o.thinkMin, r.o.thinkMax, 100*r.o.duplicates)
	m := r.machine
	fmt.Fprintf(b, "- machine: %d CPUs (GOMAXPROCS %d), %s, %s, %s, %s, %s\n", m.cores, m.gomaxprocs, m.cpu, m.memory, m.os, m.goVersion, m.redis)
	fmt.Fprintf(b, "- load: %.1f s; emails waited for %.1f s after it; whole run %.1f s\n",
		r.loadEnd.Sub(r.t0).Seconds(), r.emailWait.Seconds(), r.elapsed.Seconds())
	fmt.Fprintf(b, "- logs: `%s`\n\n", r.dir)
}

func (r *report) writeChecks(b *strings.Builder, s summary) {
	b.WriteString("## Checks\n\n| check | value | required | |\n| --- | ---: | ---: | --- |\n")
	for _, c := range r.checks(s) {
		mark := "ok"
		if !c.ok {
			mark = "**FAIL**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", c.name, c.value, c.want, mark)
	}
	b.WriteString("\n")
	writeList(b, "First problems of senders", s.problems)
	writeList(b, "Faults that went wrong", s.faultErrors)
}

func (r *report) writeFaults(b *strings.Builder) {
	b.WriteString("## Faults (seconds after the load began)\n\n| fault | planned | began | back | outage (s) |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, f := range r.faults {
		began, back, outage := "–", "–", "–"
		if !f.start.IsZero() {
			began = fmt.Sprintf("%.1f", f.start.Sub(r.t0).Seconds())
		}
		if !f.end.IsZero() {
			back = fmt.Sprintf("%.1f", f.end.Sub(r.t0).Seconds())
			outage = fmt.Sprintf("%.1f", f.end.Sub(f.start).Seconds())
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %s | %s |\n", f.what, f.planned.Seconds(), began, back, outage)
	}
	b.WriteString("\n")
}

func writeScenarios(b *strings.Builder, s summary) {
	b.WriteString("## Conversations\n\n| screening | expected outcome | email to | senders | reached |\n| --- | --- | --- | ---: | ---: |\n")
	for _, row := range s.scenarios {
		to := row.email
		if to == "" {
			to = "none"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %d | %d |\n", row.name, row.outcome, to, row.senders, row.reached)
	}
	b.WriteString("\n")
}

func writeRequests(b *strings.Builder, s summary) {
	fmt.Fprintf(b, "## Webhook requests (%d)\n\n| request | count |\n| --- | ---: |\n", s.requests)
	for k := range kindNames {
		fmt.Fprintf(b, "| %s | %d |\n", kind(k), s.byKind[kind(k)])
	}
	b.WriteString("\n| answer | count |\n| --- | ---: |\n")
	for o := range outcomeNames {
		fmt.Fprintf(b, "| %s | %d |\n", outcome(o), s.byOutcome[outcome(o)])
	}
	fmt.Fprintf(b, "\nDuplicate pairs both answered normally: %d; answered differently: %d.\n\n", s.pairs, s.mismatches)
	writeList(b, "Duplicates answered differently", s.mismatchExamples)
}

func writeLatency(b *strings.Builder, s summary) {
	b.WriteString("## Throughput and latency\n\nEvery answered request during the load (first deliveries, duplicates, retries, resends); a request counts in a row only if it lies wholly outside its windows, and the row's seconds are the load's time less those windows.\n\n")
	b.WriteString("| part of the run | requests | seconds | requests/s | p50 (ms) | p99 (ms) | max (ms) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, l := range s.latency {
		rate := 0.0
		if l.seconds > 0 {
			rate = float64(l.requests) / l.seconds
		}
		if l.requests == 0 {
			fmt.Fprintf(b, "| %s | 0 | %.1f | – | – | – | – |\n", l.name, l.seconds)
			continue
		}
		fmt.Fprintf(b, "| %s | %d | %.1f | %.1f | %.2f | %.2f | %.2f |\n", l.name, l.requests, l.seconds, rate, ms(l.p50), ms(l.p99), ms(l.max))
	}
	b.WriteString("\n")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func writeEmails(b *strings.Builder, s summary, r *report) {
	e := s.emails
	b.WriteString("## Emails\n\n| figure | value |\n| --- | ---: |\n")
	rows := []struct {
		name string
		v    int
	}{
		{"referral emails expected (screenings that ended with a reference)", e.expected},
		{"delivered exactly once, to the right intake address", e.once},
		{"missing", e.missing}, {"duplicated", e.duplicated}, {"to the wrong address", e.wrongTo},
		{"unexpected", e.unexpected}, {"of which coordinator alerts", e.alerts},
		{"messages the SMTP server accepted", e.accepted}, {"messages it refused with 451 during its outage", e.refused},
		{"sent records in Redis (`sent:<ref>`)", r.memory.sent},
	}
	for _, row := range rows {
		fmt.Fprintf(b, "| %s | %d |\n", row.name, row.v)
	}
	if len(e.delays) > 0 {
		fmt.Fprintf(b, "| from the reply with the reference to the email accepted: p50 / p99 / max (s; max: %s) | %.1f / %.1f / %.1f |\n",
			e.slowest, e.delays[len(e.delays)/2].Seconds(), percentile(e.delays, 99).Seconds(), e.longest.Seconds())
	}
	b.WriteString("\n")
	writeList(b, "Email problems", e.examples)
}

func (r *report) writeMemory(b *strings.Builder) {
	m := r.memory
	b.WriteString("## Redis memory\n\n")
	if m.err != nil {
		fmt.Fprintf(b, "Could not measure: %v\n\n", m.err)
		return
	}
	encs := make([]string, 0, len(m.encodings))
	for _, k := range slices.Sorted(maps.Keys(m.encodings)) {
		encs = append(encs, fmt.Sprintf("%s %d", k, m.encodings[k]))
	}
	b.WriteString("| figure | value |\n| --- | ---: |\n")
	fmt.Fprintf(b, "| conversation keys (SCAN `%s*:c:*` on every master) | %d |\n", keyPrefix, m.conversations)
	fmt.Fprintf(b, "| MEMORY USAGE per conversation, mean / max (%d keys; %s) | %.0f / %d B |\n", m.measured, strings.Join(encs, ", "), m.mean, m.largest)
	fmt.Fprintf(b, "| used_memory at the end (summed over masters) / senders | %d B / %d = %.0f B |\n", m.usedMemory, r.o.senders, float64(m.usedMemory)/float64(r.o.senders))
	grown := m.usedMemory - r.memBefore
	fmt.Fprintf(b, "| its growth during the run / senders (the conversations, the sent records and their overhead) | %d B / %d = %.0f B |\n", grown, r.o.senders, float64(grown)/float64(r.o.senders))
	b.WriteString("\n")
}

func (r *report) writeLogs(b *strings.Builder) {
	b.WriteString("## Hotline logs\n\n| log | lines | WARN | ERROR | \"panic\" | exit at the end |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
	for i, l := range r.logs {
		exit := ""
		if i < len(r.exits) {
			exit = r.exits[i]
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %s |\n", l.file, l.lines, l.warns, l.errors, l.panics, exit)
	}
	b.WriteString("\n")
	errs, warns := map[string]int{}, map[string]int{}
	var panics []string
	for _, l := range r.logs {
		for k, v := range l.errorsByMsg {
			errs[k] += v
		}
		for k, v := range l.warnsByMsg {
			warns[k] += v
		}
		panics = append(panics, l.panicLines...)
	}
	writeCounts(b, "ERROR lines by message", errs)
	writeCounts(b, "WARN lines by message", warns)
	writeList(b, "Lines with \"panic\"", panics)
}

func writeCounts(b *strings.Builder, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	keys := slices.Collect(maps.Keys(counts))
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	fmt.Fprintf(b, "%s:\n\n", title)
	for _, k := range keys {
		fmt.Fprintf(b, "- %d × %s\n", counts[k], k)
	}
	b.WriteString("\n")
}

func writeList(b *strings.Builder, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n\n", title)
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", it)
	}
	b.WriteString("\n")
}
