package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
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

// chatUsage heads `hotline chat -h`; the flags' own lines follow it.
const chatUsage = `Usage: hotline chat [PACK] [flags]

Try the conversation in this terminal: each line typed (or piped in) is a text
message, and the bot's replies are printed. The hotline runs as serve runs it,
in memory, with a clock of its own; nothing is sent. A referral prints the email
and the JSON hand-off the organization would get, and a conversation that comes
to need a person says that the coordinator would be told.

After the screening's referral, these play what becomes of it, in the order
given, each printing what the organization did (with its link), the emails it
causes (to whom, subject and text), the texts to the person and the
coordinator's alerts:

  --accept           the organization accepts it on its page
  --decline REASON   it declines it (conflict, capacity, priorities or other):
                     the referral goes on to the next organization that fits,
                     or the person is texted the fallback; give it again for
                     that organization, and so on
  --silent           it says nothing: the clock moves past its response_time
                     (directory.yaml) and the pack's silence_grace, and the
                     coordinator is alerted
  --followup yes|no  the clock moves on to the follow-up text ("Did ... contact
                     you?"), --followup-after after the referral reached the
                     organization, and the person's answer is played as their
                     message: NO sends the referral on

For example: hotline chat --decline capacity --decline conflict < script.txt

Flags:
`

// chat plays the conversation in the terminal: each line read is a text message,
// each reply is printed, a referral prints the email the organization would get,
// and a conversation that comes to need a person says that the coordinator
// would be told. It runs the real service and outbox on an in-memory store,
// so that after a referral it can play the referral's loop (chatloop.go).
func (e *env) chat(args []string) error {
	fset := flag.NewFlagSet("chat", flag.ContinueOnError)
	lang := fset.String("lang", "", "reply in this language until one is chosen (like es)")
	from := fset.String("from", "+13125550142", "the phone number you text from (E.164), or \"\" for none, as on web chat")
	channel := fset.String("channel", "sms", "the channel: sms, whatsapp, web or terminal")
	today := fset.String("today", "", "pretend today is this date (YYYY-MM-DD), for trying court dates")
	var (
		steps []loopStep
		bad   error
	)
	fset.Var(&stepFlag{steps: &steps, kind: stepAccept, bad: &bad}, "accept", "after the referral, the organization accepts it")
	fset.Var(&stepFlag{steps: &steps, kind: stepDecline, bad: &bad}, "decline", "after the referral, the organization declines it for `REASON`: "+
		strings.Join(hotline.DeclineReasons, ", ")+" (again: the next organization declines too)")
	fset.Var(&stepFlag{steps: &steps, kind: stepSilent, bad: &bad}, "silent", "after the referral, the organization says nothing past its response time: the coordinator's alert")
	fset.Var(&stepFlag{steps: &steps, kind: stepFollowUp, bad: &bad}, "followup", "after the referral, the follow-up text comes, and the person answers it `yes|no`")
	followUpAfter := fset.Duration("followup-after", 72*time.Hour, "how long after a referral reaches an organization the follow-up text comes (HOTLINE_FOLLOWUP_AFTER)")
	publicURL := fset.String("public-url", "https://hotline.example.org", "the hotline's address in the organizations' links (HOTLINE_PUBLIC_URL)")
	fset.Usage = func() {
		fmt.Fprint(fset.Output(), chatUsage)
		fset.PrintDefaults()
	}
	arg, err := e.parseFlags(fset, args)
	if err != nil {
		if bad != nil {
			// Said first, by the flag package, and again after the usage
			// it printed, where it is seen.
			fmt.Fprintf(e.stderr, "\nhotline chat: %v\n", bad)
		}
		return err
	}
	if *followUpAfter <= 0 && slices.ContainsFunc(steps, func(s loopStep) bool { return s.kind == stepFollowUp }) {
		fmt.Fprintf(e.stderr, "hotline chat: --followup needs a --followup-after above 0, not %v\n", *followUpAfter)
		return errUsage
	}
	if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		fmt.Fprintf(e.stderr, "hotline chat: --public-url: %q is not an address like https://hotline.example.org\n", *publicURL)
		return errUsage
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
	rig, err := newChatRig(e, p, clock, hotline.Conversation{Channel: *channel, From: *from, To: chatHotlineNumber},
		strings.TrimSuffix(*publicURL, "/"), *followUpAfter)
	if err != nil {
		return err
	}
	if err := rig.begin(st); err != nil {
		return err
	}

	out := rig.out
	interactive := isTerminal(e.stdin)
	if interactive {
		fmt.Fprintf(out, "Chatting with %s. Type a message and press Enter; Ctrl-D ends.\n", p.Flow.Name)
	}
	played := len(steps) == 0
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 0, 4096), 64<<10)
	for {
		if interactive {
			fmt.Fprint(out, "> ")
		}
		if !in.Scan() {
			break
		}
		text := in.Text()
		if !interactive {
			fmt.Fprintf(out, "> %s\n", text)
		}
		reply, err := rig.say(text)
		if err != nil {
			return err
		}
		if err := rig.show(reply); err != nil {
			return err
		}
		if !played && (reply.Referral != nil || reply.Fallback) {
			// The loop of the first referral, at once: what is typed after
			// it (STATUS, say) is answered as the loop left it.
			played = true
			if err := rig.play(steps, reply); err != nil {
				return err
			}
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	if !played {
		fmt.Fprintln(e.stderr, "hotline chat: the conversation made no referral, so --accept, --decline, --silent and --followup played nothing")
	}
	return nil
}

// show prints what a message got: its replies, the coordinator's notice in
// short, and what the outbox sent (the referral's email, its JSON hand-off).
func (r *chatRig) show(reply bot.Reply) error {
	out := r.out
	for _, m := range reply.Messages {
		fmt.Fprintf(out, "%s\n\n", m)
	}
	if reply.Notice != nil {
		// What the coordinator would be emailed, in short: a coordinator
		// trying the flow sees where it hands people over.
		fmt.Fprintf(out, "[%s]\n\n", pack.NoticeLine(reply.Notice))
	}
	ref := reply.Referral
	if ref != nil {
		if err := checkEmail(r.p, ref); err != nil {
			return err
		}
		if h := ref.Handoff; h != nil && !h.Email {
			fmt.Fprintln(out, "(No email: this organization takes its referrals by JSON hand-off only.)")
		}
	}
	r.settle()
	switch {
	case ref != nil && ref.Handoff == nil:
		// The JSON beside the email, always: a coordinator sees what an
		// organization's case-management system would get with handoff:
		// (one with handoff: has had its own printed as the outbox sent it).
		return printHandoff(out, ref)
	case reply.Fallback:
		fmt.Fprintln(out, "(No email: the fallback referral is made by text only.)")
	case reply.OptOut:
		fmt.Fprintln(out, "(Opted out: nothing more is sent until START.)")
	}
	return nil
}

// checkEmail renders the referral email as the server does (bot.EmailSender),
// its organization's own template too, if any: a template that fails shows
// up here, as an error, rather than on the first real referral (where the
// coordinator would be alerted instead).
func checkEmail(p *pack.Pack, r *hotline.Referral) error {
	if _, err := email.Render(r, bot.EmailSender{}.ReferralOptions(p, r, "chat")); err != nil {
		return fmt.Errorf("the referral email: %w", err)
	}
	return nil
}

// rule frames each email, hand-off and text printed.
var rule = strings.Repeat("─", 72)

// emailBlock is how an email is printed: its plain-text part (the HTML part
// says the same) under a label, with its recipient and subject. From and
// Reply-To are not printed.
func emailBlock(label string, m email.Message) string {
	return fmt.Sprintf("%s\n%s\n\nTo: %s\nSubject: %s\n\n%s%s\n", rule, label, m.To, m.Subject, m.Text, rule)
}

// postedHandoff is how a JSON hand-off POSTed to an organization's server is
// printed: indented for reading (the bytes sent are the same, on one line).
func postedHandoff(req handoff.Request) string {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, req.Body, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(req.Body) // as it would go
	}
	return fmt.Sprintf("%s\nThe JSON hand-off that would be POSTed to %s\n(signed with the key in $%s):\n\n%s\n%s\n",
		rule, req.URL, req.SecretEnv, pretty.String(), rule)
}

// textBlock is how a text to the person is printed.
func textBlock(to, body string) string {
	return fmt.Sprintf("%s\nThe text that would be sent to %s:\n\n%s\n%s\n", rule, to, body, rule)
}

// printHandoff shows the JSON hand-off an organization without a handoff:
// block would get with one, indented for reading. Nothing is sent.
func printHandoff(out io.Writer, r *hotline.Referral) error {
	body, err := handoff.Body(r)
	if err != nil {
		return fmt.Errorf("the JSON hand-off: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		return fmt.Errorf("the JSON hand-off: %w", err)
	}
	fmt.Fprintf(out, "The JSON hand-off (POSTed only to an organization with handoff: in directory.yaml;\nthis one has none, so it would get only the email):\n\n%s\n%s\n", pretty.String(), rule)
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
