package pack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
)

// Source is a pack folder to load: a directory, or the sample built into the
// binary.
type Source struct {
	FS fs.FS
	// Dir is the folder, "" for the built-in sample.
	Dir string
}

// Open returns the pack folder dir, or the built-in sample for "". A path that
// is not a folder is an error.
func Open(dir string) (Source, error) {
	if dir == "" {
		return Source{FS: defaultpack.FS}, nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return Source{}, fmt.Errorf("pack folder %s: %w", dir, errors.Unwrap(err))
	}
	if !info.IsDir() {
		return Source{}, fmt.Errorf("%s is not a folder; a pack is a folder holding pack.yaml", dir)
	}
	return Source{FS: os.DirFS(dir), Dir: dir}, nil
}

// String names the pack for messages.
func (s Source) String() string {
	if s.Dir == "" {
		return "the built-in sample pack"
	}
	return s.Dir
}

// Where prefixes problem positions with the pack folder, so that editors and
// terminals can open file:line:col directly.
func (s Source) Where(ps flows.Problems) flows.Problems {
	if s.Dir == "" {
		return ps
	}
	out := make(flows.Problems, len(ps))
	for i, p := range ps {
		q := *p
		q.File = filepath.Join(s.Dir, filepath.FromSlash(p.File))
		out[i] = &q
	}
	return out
}
