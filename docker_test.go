package hotline_test

import (
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestDockerBuild: the image is built from pinned base images, and the build
// context leaves out what holds people's data or secrets (a local outbox/ of
// referral emails once went into it). Docker is not run here; the files are
// read as Docker reads them.
func TestDockerBuild(t *testing.T) {
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	pinned := regexp.MustCompile(`@sha256:[0-9a-f]{64}(\s|$)`)
	froms := 0
	for _, line := range strings.Split(string(dockerfile), "\n") {
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			froms++
			if !pinned.MatchString(line) {
				t.Errorf("Dockerfile: %q is not pinned by digest", line)
			}
		}
	}
	if froms == 0 {
		t.Fatal("Dockerfile has no FROM")
	}

	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(ignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimSuffix(strings.TrimPrefix(line, "/"), "/"))
		}
	}
	ignored := func(file string) bool {
		for _, p := range patterns {
			// As Docker matches: a pattern matches the path or one of its
			// parent folders; "**/" matches any number of folders.
			for dir := file; dir != "."; dir = path.Dir(dir) {
				if ok, _ := path.Match(p, dir); ok {
					return true
				}
				if rest, ok := strings.CutPrefix(p, "**/"); ok {
					if m, _ := path.Match(rest, path.Base(dir)); m {
						return true
					}
				}
			}
		}
		return false
	}
	for _, secret := range []string{"outbox/H-7F3K9.eml", "outbox/.tmp-H-7F3K9", "cmd/hotline/outbox/x.eml", "referral.eml", ".env", ".env.production",
		"hotline.yaml", ".git/config", "deploy/.env", "dump.rdb", "appendonlydir/appendonly.aof.1.incr.aof"} {
		if !ignored(secret) {
			t.Errorf(".dockerignore lets %s into the build context", secret)
		}
	}
	for _, needed := range []string{"go.mod", "go.sum", "cmd/hotline/main.go", "flows/defaultpack/pack.yaml", "webhook/chatpage/index.html"} {
		if ignored(needed) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", needed)
		}
	}
}
