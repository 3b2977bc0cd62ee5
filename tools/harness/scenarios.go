package main

import (
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // the sample pack's time zone, whatever the machine has installed

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/internal/testkit/courtday"
)

// turn is one message of a screening and what its reply must contain (case
// ignored): the same texts the sample pack's transcripts in
// flows/defaultpack/tests check.
type turn struct {
	send   string
	expect []string
}

// scenario is a screening whose outcome is known from the sample pack.
type scenario struct {
	name string
	// outcome says how it must end, for the report.
	outcome string
	turns   []turn
	// email is the intake address the referral email must reach; "" when the
	// screening must end without an email.
	email string
	// next are the intake addresses the referral goes on to, in turn, when the
	// one it is with declines it or the person says it did not call (the
	// directory's matching, never one that declined); after the last, the
	// fallback, by text only. The --loop run checks the emails against them.
	next []string
}

// chain is every intake address the scenario's referral may reach, in order.
func (sc *scenario) chain() []string {
	if sc.email == "" {
		return nil
	}
	return append([]string{sc.email}, sc.next...)
}

func t(send string, expect ...string) turn { return turn{send: send, expect: expect} }

// scenarios are the screenings senders are given, in turn. today is the date in
// the pack's time zone (America/Chicago): the eviction's court date is 5 days
// after it, so that it is always upcoming and urgent.
func scenarios(today time.Time) []scenario {
	court := courtday.Soon(today)
	return []scenario{
		{
			name: "eviction, court in 5 days", outcome: "Tenant Rights Clinic (312) 555-0111, urgent", email: "intake.tenants@example.org",
			// Example County Legal Aid: housing in 606xx, and 2,000 a month for 3
			// is under 125% of the guideline.
			next: []string{"intake.legalaid@example.org"},
			turns: []turn{
				t("hi", "Reply 1 for English"), t("1", "Continue? Reply YES or NO"), t("yes", "Are you in danger"),
				t("no", "ZIP code"), t("60612", "1 Housing or eviction"), t("1", "court papers"), t("yes", "court date"),
				t(court, "other side"), t("Acme Properties", "How many people"), t("3", "income per month"),
				t("2000", "first name"), t("Maria", "best number"), t("yes", "voicemail"), t("yes", "text messages"),
				t("yes", "Thank you, Maria", "Tenant Rights Clinic", "(312) 555-0111", "reference is H-", "call them today"),
			},
		},
		{
			name: "Spanish debt over 125%", outcome: "State Bar Lawyer Referral Service (312) 555-0199, no email",
			turns: []turn{
				t("hola", "Responda 2 para español"), t("2", "¿Seguir? Responda SI o NO"), t("si", "peligro"),
				t("no", "código postal"), t("60614", "problema legal"), t("4", "cuánto dicen que debe"), t("3 mil", "otra parte"),
				t("Banco XYZ", "Cuántas personas"),
				t("1", "al mes"), t("2000", "su nombre"), t("Ana", "mejor número"), t("sí", "mensaje de voz"), t("si", "mensajes de texto"),
				t("si", "Gracias, Ana", "State Bar Lawyer Referral Service", "(312) 555-0199"),
			},
		},
		{
			name: "family in 60640 under 200%", outcome: "Family Justice Center (312) 555-0133", email: "intake.family@example.org",
			turns: append(consentAndZIP("60640"),
				t("custody", "other side"), t("John Doe", "How many people"), t("2", "income"), t("3000", "first name"),
				t("Alex", "best number"), t("yes", "voicemail"), t("yes", "text messages"), t("yes", "safe time"), t("skip", "Family Justice Center", "(312) 555-0133", "reference is H-")),
		},
		{
			name: "employment", outcome: "Workers' Rights Center (312) 555-0155", email: "intake.workers@example.org",
			turns: append(consentAndZIP("60612"),
				t("5", "other side"), t("skip", "How many people"), t("1", "income"), t("9000", "first name"),
				t("Lee", "best number"), t("yes", "voicemail"), t("yes", "text messages"), t("yes", "Workers' Rights Center", "(312) 555-0155", "reference is H-")),
		},
		{
			name: "something else under 125%", outcome: "Example County Legal Aid (312) 555-0122", email: "intake.legalaid@example.org",
			turns: append(consentAndZIP("60612"),
				t("8", "other side"), t("skip", "How many people"), t("1", "income"), t("none", "first name"),
				t("Robin", "best number"), t("yes", "voicemail"), t("yes", "text messages"), t("yes", "Example County Legal Aid", "(312) 555-0122", "reference is H-")),
		},
		{
			name: "immigration in 62701", outcome: "Immigrant Legal Resource Project (312) 555-0144", email: "intake.immigration@example.org",
			turns: append(consentAndZIP("62701"),
				t("green card", "other side"), t("skip", "How many people"), t("3", "income"), t("2500", "first name"),
				t("Mei", "best number"), t("yes", "voicemail"), t("yes", "text messages"), t("yes", "Immigrant Legal Resource Project", "(312) 555-0144", "reference is H-")),
		},
		{
			name: "ZIP 90210, out of area", outcome: "www.lawhelp.org, no email",
			turns: []turn{
				t("hi", "Reply 1 for English"), t("1", "Continue?"), t("yes", "in danger"), t("no", "ZIP"),
				t("90210", "Is 90210 your ZIP code?"), t("yes", "don't serve that ZIP", "www.lawhelp.org"),
			},
		},
		{
			name: "declines consent", outcome: "ends with the hotline's number, no email",
			turns: []turn{t("hi", "Reply 1 for English"), t("1", "Continue?"), t("no", "(312) 555-0100")},
		},
	}
}

// consentAndZIP is the start every English screening shares: language, consent,
// no danger, the ZIP; its reply is the problem menu.
func consentAndZIP(zip string) []turn {
	return []turn{
		t("hi", "Reply 1 for English"), t("1", "Continue?"), t("yes", "in danger"), t("no", "ZIP"),
		t(zip, "legal problem"),
	}
}

// chicagoToday is today's date where the sample pack's hotline is.
func chicagoToday() time.Time {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		loc = time.UTC // cannot happen with time/tzdata; a wrong day only makes the court date 4 or 6 days away
	}
	return time.Now().In(loc)
}

// refPattern finds a referral reference in a reply: "H-" and five characters of
// the reference alphabet.
var refPattern = regexp.MustCompile(`H-[` + bot.ReferenceAlphabet + `]{5}`)

// missing returns the expected texts that reply lacks, case ignored.
func missing(reply string, expect []string) []string {
	lower := strings.ToLower(reply)
	var out []string
	for _, e := range expect {
		if !strings.Contains(lower, strings.ToLower(e)) {
			out = append(out, e)
		}
	}
	return out
}

// isApology reports whether a reply is the technical-problem apology, in either
// language: the message was not applied.
func isApology(reply string) bool {
	lower := strings.ToLower(reply)
	return strings.Contains(lower, "technical problem") || strings.Contains(lower, "problema técnico")
}
