package mailer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotline-legal/hotline/bot/email"
)

// EMLDir writes each message as <Dir>/<Message-ID>.eml, for running without a mail
// server: any mail program opens the files. A file appears whole or not at all (a
// temporary file in the same folder, synced, then renamed), so a crash never
// leaves half an email; writing the same Message-ID again replaces the file with
// the same bytes, so a resend leaves one file. Dir is created when needed, readable
// by its owner only: the emails hold personal data.
type EMLDir struct {
	Dir string
}

// tempPrefix starts the names of files being written; they end in .tmp, so a
// reader looking for *.eml never sees one.
const tempPrefix = ".writing-"

// Send writes m into the folder.
func (d *EMLDir) Send(ctx context.Context, m email.Message) error {
	msg, err := newMsg(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mailer: %s not written: %w", m.MessageID, err)
	}
	if d.Dir == "" {
		return permanent("mailer: no outbox folder")
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("mailer: outbox folder: %w", err)
	}
	final := filepath.Join(d.Dir, FileName(m.MessageID))
	tmp, err := os.CreateTemp(d.Dir, tempPrefix+"*.tmp")
	if err != nil {
		return fmt.Errorf("mailer: outbox folder: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if _, err := msg.WriteTo(w); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	// Sync before rename: otherwise a power cut can leave the new name pointing at
	// an empty file, a lost referral that looks delivered.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	done = true
	// And sync the folder, so that the rename itself survives a crash.
	if err := syncDir(d.Dir); err != nil {
		return fmt.Errorf("mailer: writing %s: %w", final, err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		// Some file systems (and Windows) cannot sync a folder; the data is synced.
		return err
	}
	return nil
}

// FileName is the .eml file name for a Message-ID: the ID itself when it is made
// of safe characters (as email.MessageID's are), else a cleaned version with a hash
// of the original, so that two different IDs never share a file.
func FileName(messageID string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '@', r == '+':
			return r
		}
		return '_'
	}, messageID)
	if clean == messageID && clean != "" && clean[0] != '.' && len(clean) <= 200 {
		return clean + ".eml"
	}
	sum := sha256.Sum256([]byte(messageID))
	clean = strings.TrimLeft(clean, ".")
	if len(clean) > 100 {
		clean = clean[:100]
	}
	return clean + "-" + hex.EncodeToString(sum[:8]) + ".eml"
}
