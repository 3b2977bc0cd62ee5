package pack_test

import (
	"strings"
	"testing"

	"github.com/hotline-legal/hotline/internal/testkit/hostilepack"
	"github.com/hotline-legal/hotline/pack"
)

// TestOpenRefusesWhatLeavesTheFolder: a pack folder whose template or flow is a
// link (out of the folder or not), or a named pipe, does not load; the problem
// names the file and says why, and shows nothing of what the link points at.
// A named pipe would hang a loader that opened it: this test then never ends.
func TestOpenRefusesWhatLeavesTheFolder(t *testing.T) {
	src, err := pack.Open(hostilepack.Folder(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := pack.Load(src.FS, today); err != nil {
		t.Fatalf("the untouched copy of the sample pack does not load: %v", problems)
	}
	for _, a := range hostilepack.Attacks() {
		t.Run(a.Name, func(t *testing.T) {
			src, err := pack.Open(hostilepack.Folder(t, &a))
			if err != nil {
				t.Fatal(err)
			}
			p, problems, err := pack.Load(src.FS, today)
			if err == nil || p != nil {
				t.Fatalf("Load = a pack, %v; want it refused for %s", problems, a.File)
			}
			var refusal string
			for _, e := range problems.Errors() {
				if msg := e.Error(); strings.Contains(msg, a.File) && strings.Contains(msg, a.Why) {
					refusal = msg
				}
			}
			if refusal == "" {
				t.Errorf("no problem names %s and says %q:\n%v", a.File, a.Why, problems)
			}
			if hostilepack.Shows(problems.Error()) {
				t.Errorf("the problems show what the link points at:\n%v", problems)
			}
			t.Log(refusal)
		})
	}
}
