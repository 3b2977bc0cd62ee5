package main

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// TestHarnessSmall runs the whole harness in small: 30 senders, the three faults a
// few seconds in, well under a minute. It builds cmd/hotline and starts real
// processes, so it runs only when asked: HOTLINE_HARNESS=1 go test ./tools/harness.
//
// The faults come in an order that keeps the run short: the kill before any
// screening has ended (no email job can be leased by the killed process, which
// would hold it back for its 2-minute lease), Redis next, then the SMTP refusal
// while the first referral emails are queued.
func TestHarnessSmall(t *testing.T) {
	if os.Getenv("HOTLINE_HARNESS") != "1" {
		t.Skip("the fault harness builds and runs real processes; set HOTLINE_HARNESS=1 to run it")
	}
	var out, progress bytes.Buffer
	err := run(context.Background(), []string{
		"--senders", "30", "--concurrency", "30", "--think-min", "300ms", "--think-max", "700ms",
		"--kill-at", "1s", "--kill-down", "1s", "--redis-at", "2500ms", "--redis-down", "2s",
		"--smtp-at", "4s", "--smtp-down", "4s", "--quiet", "5s", "--email-wait", "20s", "--timeout", "40s",
	}, &out, &progress)
	t.Log("\n" + progress.String())
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"# Hotline under faults: **PASSED**", "| 5xx responses | 0 | 0 | ok |"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
