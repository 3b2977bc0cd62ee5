package pack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

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
// is not a folder is an error. The folder is read only through an os.Root, and
// only its ordinary files and folders: a link, or a device or named pipe, is
// refused with a message naming it (see folder). dir itself may be a link: it is
// the operator's setting, and a deploy may switch it from release to release.
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
	return Source{FS: folder{dir}, Dir: dir}, nil
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

// folder is a pack folder on disk. Whoever can write to it must not be able to
// make the server read anything else: a template linked to /proc/self/environ
// would put the server's secrets into referral emails, and a named pipe would
// hang every load. So every name is opened through an os.Root (no "..", absolute
// path or link leaves the folder, even if the folder changes while it is read),
// and a link or anything but an ordinary file or folder is refused outright,
// links inside the folder too: one rule that a coordinator can follow, and no
// link target is ever opened.
//
// The root is opened afresh for each file, not kept for the Source's lifetime:
// nothing is left to close, and a pack folder that is replaced (a deploy that
// points HOTLINE_FLOWS's path at a new release) is read anew on the next
// reload, as it was before roots. It costs one more open per file read.
//
// folder implements only Open, so fs.ReadFile, fs.Stat, fs.ReadDir, fs.Glob and
// fs.WalkDir all pass through its checks.
type folder struct{ dir string }

// Open opens name, a slash-separated path inside the folder, after checking
// that neither it nor any folder on its way is a link or a special file.
func (f folder) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
	}
	defer root.Close() // a file opened through a root stays open after it
	if err := refuse(root, name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	// O_NONBLOCK: should a named pipe take the place of a file between the check
	// above and this open, the open returns at once instead of waiting for a
	// writer, and the check below refuses it. It changes nothing for files.
	file, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info, err := file.Stat()
	if err == nil && !info.Mode().IsRegular() && !info.IsDir() {
		err = notOrdinary(name, name, info.Mode())
	}
	if err != nil {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return file, nil
}

// refuse checks each step of name with Lstat, which never follows a link: the
// folders on the way first, so that no later Lstat passes through a link.
func refuse(root *os.Root, name string) error {
	if name == "." {
		return nil
	}
	parts := strings.Split(name, "/")
	for i := range parts {
		step := strings.Join(parts[:i+1], "/")
		info, err := root.Lstat(step)
		if err != nil {
			return nil // missing, say: the open below says so in its own words
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return isLink(root, name, step)
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return notOrdinary(name, step, info.Mode())
		}
	}
	return nil
}

// isLink says that step, on the way to name, is a link, and whether it leads
// out of the pack folder. The link is read, never followed.
func isLink(root *os.Root, name, step string) error {
	what := "it is a link"
	if step != name {
		what = "the folder " + step + " is a link"
	}
	target, err := root.Readlink(step)
	if err != nil || filepath.IsAbs(target) || !filepath.IsLocal(filepath.Join(filepath.Dir(filepath.FromSlash(step)), target)) {
		return errors.New(what + " to a file or folder outside the pack folder; the pack reads only its own files: copy it into the pack instead")
	}
	return errors.New(what + "; the pack reads only ordinary files and folders, not links: put the file or folder itself here instead")
}

// notOrdinary says that step, on the way to name, is a device, pipe or socket.
func notOrdinary(name, step string, mode fs.FileMode) error {
	what := "it is"
	if step != name {
		what = step + " is"
	}
	kind := "a special file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%s %s, not an ordinary file; the pack reads only ordinary files and folders", what, kind)
}

// readError is err, from reading the pack file name, for a message that names
// the file already: a *fs.PathError's "open name: " would only say it again.
func readError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == name {
		return pe.Err
	}
	return err
}
