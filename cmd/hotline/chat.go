package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// chat plays the conversation in the terminal: each line read is a text message,
// each reply is printed, a referral prints the email the organization would get,
// and a conversation that comes to need a person says that the coordinator
// would be told.
func (e *env) chat(args []string) error {
	fset := flag.NewFlagSet("chat", flag.ContinueOnError)
	lang := fset.String("lang", "", "reply in this language until one is chosen (like es)")
	from := fset.String("from", "+13125550142", "the phone number you text from (E.164), or \"\" for none, as on web chat")
	channel := fset.String("channel", "sms", "the channel: sms, whatsapp, web or terminal")
	today := fset.String("today", "", "pretend today is this date (YYYY-MM-DD), for trying court dates")
	arg, err := e.parseFlags(fset, args)
	if err != nil {
		return err
	}
	p, _, err := e.loadPack(arg)
	if err != nil {
		return err
	}
	clock, err := chatClock(e.now, *today, p.Flow.Location)
	if err != nil {
		fmt.Fprintf(e.stderr, "hotline chat: --today: %v\n", err)
		return errUsage
	}
	var st flows.State
	if *lang != "" {
		if !slices.Contains(p.Flow.Languages, *lang) {
			fmt.Fprintf(e.stderr, "hotline chat: --lang: the pack's languages are %s\n", strings.Join(p.Flow.Languages, ", "))
			return errUsage
		}
		st.Set("language", *lang)
	}

	interactive := isTerminal(e.stdin)
	if interactive {
		fmt.Fprintf(e.stdout, "Chatting with %s. Type a message and press Enter; Ctrl-D ends.\n", p.Flow.Name)
	}
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 0, 4096), 64<<10)
	for {
		if interactive {
			fmt.Fprint(e.stdout, "> ")
		}
		if !in.Scan() {
			break
		}
		text := in.Text()
		if !interactive {
			fmt.Fprintf(e.stdout, "> %s\n", text)
		}
		ref, err := bot.NewReference(e.random, 0)
		if err != nil {
			return err
		}
		var fx pack.Effects
		st, fx = p.Step(st, flows.Input{Text: text, Channel: *channel, From: *from, Now: clock(), Ref: ref,
			AnswerAfterStop: hotline.AnswersAfterStop(*channel)}) // as the service does
		for _, reply := range fx.Replies {
			fmt.Fprintf(e.stdout, "%s\n\n", reply)
		}
		if fx.Notice != nil {
			// What the coordinator would be emailed, in short: a coordinator
			// trying the flow sees where it hands people over.
			fmt.Fprintf(e.stdout, "[%s]\n\n", pack.NoticeLine(fx.Notice))
		}
		switch {
		case fx.Referral != nil:
			if h := fx.Referral.Handoff; h == nil || h.Email {
				if err := printEmail(e, p, fx.Referral); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(e.stdout, "(No email: this organization takes its referrals by JSON hand-off only.)")
			}
			// The JSON beside the email, always: a coordinator sees what an
			// organization's case-management system would get with handoff:.
			if err := printHandoff(e, fx.Referral); err != nil {
				return err
			}
		case fx.Fallback:
			fmt.Fprintln(e.stdout, "(No email: the fallback referral is made by text only.)")
		case fx.OptOut:
			fmt.Fprintln(e.stdout, "(Opted out: nothing more is sent until START.)")
		}
	}
	return in.Err()
}

// printEmail shows the plain-text part of the referral email the organization
// would get (the HTML part says the same); its own template, if any, is tried too
// so that a broken one shows up here rather than on the first real referral.
func printEmail(e *env, p *pack.Pack, r *hotline.Referral) error {
	// Written as the server writes it (bot.EmailSender), with no sender:
	// chat reads no settings, and From and Reply-To are not printed.
	m, err := email.Render(r, bot.EmailSender{}.ReferralOptions(p, r, "chat"))
	if err != nil {
		return fmt.Errorf("the referral email: %w", err)
	}
	rule := strings.Repeat("─", 72)
	fmt.Fprintf(e.stdout, "%s\nThe referral email that would be sent:\n\nTo: %s\nSubject: %s\n\n%s%s\n",
		rule, m.To, m.Subject, m.Text, rule)
	return nil
}

// printHandoff shows the referral's JSON hand-off, indented for reading (the
// bytes sent are the same, on one line): where it would be POSTed, for an
// organization with a handoff: block, or what one without would get with it.
// Nothing is sent.
func printHandoff(e *env, r *hotline.Referral) error {
	body, err := handoff.Body(r)
	if err != nil {
		return fmt.Errorf("the JSON hand-off: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		return fmt.Errorf("the JSON hand-off: %w", err)
	}
	rule := strings.Repeat("─", 72)
	if r.Handoff == nil {
		fmt.Fprintf(e.stdout, "The JSON hand-off (POSTed only to an organization with handoff: in directory.yaml;\nthis one has none, so it would get only the email):\n\n%s\n%s\n", pretty.String(), rule)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s\nThe JSON hand-off that would be POSTed to %s\n(signed with the key in $%s):\n\n%s\n%s\n",
		rule, r.Handoff.URL, r.Handoff.SecretEnv, pretty.String(), rule)
	return nil
}

// chatClock returns the time each message arrives: now, or now's time of day on
// the given date in the hotline's time zone.
func chatClock(now func() time.Time, day string, loc *time.Location) (func() time.Time, error) {
	if day == "" {
		return now, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return nil, fmt.Errorf("%q is not a date like 2026-11-25", day)
	}
	return func() time.Time {
		n := now().In(loc)
		return time.Date(d.Year(), d.Month(), d.Day(), n.Hour(), n.Minute(), n.Second(), 0, loc)
	}, nil
}

// isTerminal reports whether r is an interactive terminal (so input is not echoed).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
