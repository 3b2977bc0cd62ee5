// Package hostilepack builds pack folders that try to make the server read
// what lies outside them (a link to a file of secrets, a named pipe that would
// hang the loader), for the tests of pack loading, `hotline check`, `hotline
// test` and `hotline serve`.
package hostilepack

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-legal/hotline/flows/defaultpack"
)

// Secret stands for a password or token of the server's. It is in every file
// outside the pack that an attack points at, as it would be in
// /proc/self/environ; no message or log may show it, not even a part of it.
const Secret = "Qv7-hostile-token"

// Shows reports whether s shows Secret, even a quote of it cut short.
func Shows(s string) bool { return strings.Contains(s, Secret[:6]) }

// environ is a file outside the pack like /proc/self/environ. It is a valid
// email template, so a loader that followed a link to it would email it.
const environ = "HOME=/srv/hotline\x00TWILIO_AUTH_TOKEN=" + Secret + "\x00REDIS_URL=redis://:" + Secret + "@redis:6379/0\x00"

// Attack is one way of planting a file in a pack folder.
type Attack struct {
	Name string
	// File is the pack-relative name of what must be refused, and named.
	File string
	// Why is what the refusal must say (not a word of a test's folder name,
	// which t.TempDir makes from the test's).
	Why   string
	plant func(t testing.TB, pack, outside string)
}

// Attacks are the ways tried: links out of the folder (to a file, to a folder,
// as a file or as a folder on the way to one), a link inside it, and a named
// pipe.
func Attacks() []Attack {
	return []Attack{
		{"email template linked to a file outside", "templates/family.html", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "templates/family.html", func(name string) error {
				return os.Symlink(filepath.Join(outside, "environ"), name)
			})
		}},
		{"flow file linked to a file outside", "flows/screening.yaml", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "flows/screening.yaml", func(name string) error {
				return os.Symlink(filepath.Join(outside, "environ"), name)
			})
		}},
		{"messages file linked to an environment file outside", "messages.yaml", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "messages.yaml", func(name string) error {
				return os.Symlink(filepath.Join(outside, "hotline.env"), name)
			})
		}},
		{"flow file linked to a valid flow outside", "flows/screening.yaml", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "flows/screening.yaml", func(name string) error {
				return os.Symlink(filepath.Join(outside, "flows", "screening.yaml"), name)
			})
		}},
		{"flows folder linked to a folder outside", "flows", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "flows", func(name string) error {
				return os.Symlink(filepath.Join(outside, "flows"), name)
			})
		}},
		{"templates folder linked to a folder outside", "templates", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "templates", func(name string) error {
				return os.Symlink(filepath.Join(outside, "templates"), name)
			})
		}},
		{"relative link climbing out", "templates/family.html", "is a link", func(t testing.TB, pack, outside string) {
			replace(t, pack, "templates/family.html", func(name string) error {
				rel, err := filepath.Rel(filepath.Dir(name), filepath.Join(outside, "environ"))
				if err != nil {
					return err
				}
				return os.Symlink(rel, name)
			})
		}},
		{"link to a file inside the pack", "flows/screening.yaml", "is a link", func(t testing.TB, pack, outside string) {
			write(t, filepath.Join(pack, "notes", "screening.yaml"), sample(t, "flows/screening.yaml"))
			replace(t, pack, "flows/screening.yaml", func(name string) error {
				return os.Symlink(filepath.Join("..", "notes", "screening.yaml"), name)
			})
		}},
		{"named pipe as email template", "templates/family.html", "is a named pipe", func(t testing.TB, pack, outside string) {
			replace(t, pack, "templates/family.html", mkfifo)
		}},
	}
}

// Folder writes the sample pack, with an email template for the family center,
// into a new folder and plants a in it (nothing for nil). Next to it, outside
// it, are the files the attacks point at, all holding Secret.
func Folder(t testing.TB, a *Attack) string {
	t.Helper()
	base := t.TempDir()
	pack, outside := filepath.Join(base, "pack"), filepath.Join(base, "outside")
	err := fs.WalkDir(defaultpack.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data := sample(t, name)
		if name == "directory.yaml" {
			data = edit(t, data, "    include_answers: false    # they ask every question again themselves\n",
				"    include_answers: false\n    email_template: templates/family.html\n")
		}
		write(t, filepath.Join(pack, filepath.FromSlash(name)), data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(pack, "templates", "family.html"), []byte("<p>Referral {{.Ref}} for {{.Name}}</p>\n"))

	write(t, filepath.Join(outside, "environ"), []byte(environ))
	// A loader that read it as YAML would say it is not a mapping, quoting it.
	write(t, filepath.Join(outside, "hotline.env"), []byte("TWILIO_AUTH_TOKEN="+Secret+"\n"))
	write(t, filepath.Join(outside, "templates", "family.html"), []byte("<p>{{.Ref}}</p>\n"+environ))
	// A valid flow, with a welcome of its own: a loader that followed a link to
	// it would serve it.
	flow := edit(t, sample(t, "flows/screening.yaml"), "We'll ask about 12 short questions", "Outside flow: 12 short questions")
	write(t, filepath.Join(outside, "flows", "screening.yaml"), append(flow, "\n# "+Secret+"\n"...))
	if a != nil {
		a.Plant(t, pack)
	}
	return pack
}

// Plant carries out the attack on a pack folder made by Folder, which may be in
// use: a file is replaced in one rename.
func (a Attack) Plant(t testing.TB, pack string) {
	t.Helper()
	a.plant(t, pack, filepath.Join(filepath.Dir(pack), "outside"))
}

// replace puts what make creates in the place of the pack's file or folder
// name: made under a temporary name, then renamed over it, so that a pack
// watcher never sees the name missing.
func replace(t testing.TB, pack, name string, make func(string) error) {
	t.Helper()
	target := filepath.Join(pack, filepath.FromSlash(name))
	tmp := target + ".new"
	if err := make(tmp); err != nil {
		t.Fatalf("test setup: %v", err)
	}
	if info, err := os.Lstat(target); err == nil && info.IsDir() {
		// rename cannot replace a folder with a link: move the folder away.
		if err := os.Rename(target, target+".old"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		t.Fatal(err)
	}
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := fs.ReadFile(defaultpack.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func edit(t testing.TB, data []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("test setup: no %q", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

func write(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
