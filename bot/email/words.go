package email

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hotline-legal/hotline/flows"
)

// Words are the words of the emails in one language: every label, sentence and
// date name an organization's intake staff or the intake coordinator read. They
// come from the pack (email.yaml), so that a pack can write its emails in any
// language without a change to this package.
type Words struct {
	// Lang is the language's code, like "es": the HTML part's lang attribute, for
	// screen readers and mail programs that translate.
	Lang string
	// Text holds the text of each key of Keys, with its {placeholders}, and the
	// name of each language (LanguageKey).
	Text map[string]string
	// parsed holds each text split at its placeholders, once Prepare has
	// checked them: an email is rendered in the request that makes a referral,
	// and checking and parsing every text again there cost a sixth of it.
	parsed map[string][]flows.Part
}

// Prepare checks w (see Check) and returns it with every text parsed once, for
// the emails it will write: Render and RenderAlert then neither check nor
// parse it again. The pack prepares its words when it loads.
func (w Words) Prepare() (Words, error) {
	if err := w.Check(); err != nil {
		return w, err
	}
	w.parsed = make(map[string][]flows.Part, len(w.Text))
	for name, text := range w.Text {
		w.parsed[name], _ = flows.ParseText(oneLine(text))
	}
	return w, nil
}

// check is Check, unless Prepare has checked w already.
func (w Words) check() error {
	if w.parsed != nil {
		return nil
	}
	return w.Check()
}

// Key is one text the emails need.
type Key struct {
	// Name is the key in email.yaml, like "label_name".
	Name string
	// Placeholders are the names the text may use in braces, like "ref" for {ref}.
	Placeholders []string
	// Names is, for a list of names separated by spaces (the months, the days of the
	// week), how many it must hold; 0 for any other text.
	Names int
	// About says where the text appears, for the messages of `hotline check`.
	About string
}

// keys are the texts the emails need, in the order the sample email.yaml gives them.
var keys = []Key{
	{Name: "subject", Placeholders: []string{"ref", "case", "zip", "hearing", "language", "rerouted"}, About: "the subject of a referral email"},
	{Name: "subject_urgent", Placeholders: []string{"ref", "case", "zip", "hearing", "language", "rerouted"}, About: "the subject of an urgent referral's email"},
	{Name: "subject_hearing", Placeholders: []string{"date"}, About: "{hearing} in the subject: the court date, like Mon Dec 7"},
	{Name: "subject_missed_hearing", Placeholders: []string{"date"}, About: "{hearing} in the subject when the court date was before the referral"},
	{Name: "subject_language", Placeholders: []string{"language"}, About: "{language} in the subject when the person speaks another language than the email's"},
	{Name: "subject_rerouted", About: "{rerouted} in the subject when the referral comes from another organization that could not take it"},
	{Name: "legal_problem", About: "the case type in the subject when the referral has none"},
	{Name: "heading", Placeholders: []string{"ref", "org"}, About: "the first line of the plain-text part"},
	{Name: "heading_program", Placeholders: []string{"ref", "org", "program"}, About: "the first line of the plain-text part, for a named program"},
	{Name: "html_kicker", Placeholders: []string{"hotline"}, About: "the small line above the reference in the HTML part"},
	{Name: "html_for", Placeholders: []string{"org"}, About: "the line below the reference in the HTML part"},
	{Name: "html_for_program", Placeholders: []string{"org", "program"}, About: "the line below the reference in the HTML part, for a named program"},
	{Name: "made", Placeholders: []string{"date", "time"}, About: "when the referral was made"},
	{Name: "date", Placeholders: []string{"weekday", "day", "month", "month_number", "year"}, About: "how a date is written"},
	{Name: "date_short", Placeholders: []string{"weekday", "day", "month", "month_number", "year"}, About: "how a date is written in the subject"},
	{Name: "time", Placeholders: []string{"hour", "hour24", "minute", "ampm", "zone"}, About: "how a time of day is written"},
	{Name: "months", Names: 12, About: "the names of the months, January to December"},
	{Name: "weekdays", Names: 7, About: "the names of the days of the week, Sunday to Saturday"},
	{Name: "am", About: "{ampm} before noon"},
	{Name: "pm", About: "{ampm} from noon"},
	{Name: "contact_heading", About: "the heading of how to contact the person safely"},
	{Name: "label_voicemail", About: "a label of how to contact the person: may the office leave a voicemail"},
	{Name: "voicemail_no", About: "the value of label_voicemail when the person said no"},
	{Name: "voicemail_yes", About: "the value of label_voicemail when the person said yes"},
	{Name: "texts_yes", About: "the value of label_texts when the person said texts are safe"},
	{Name: "label_safe_when", About: "a label of how to contact the person: a safe time or another safe number, in their words"},
	{Name: "contact_not_asked", About: "how to contact a person who said they are in danger when they were not asked about voicemail or texts"},
	{Name: "urgent_banner", Placeholders: []string{"reasons"}, About: "the banner of an urgent case"},
	{Name: "urgent_banner_no_reason", About: "the banner of an urgent case with no reason recorded"},
	{Name: "safety_banner", About: "the banner of a case with a safety concern"},
	{Name: "hearing_banner", Placeholders: []string{"date"}, About: "the banner of a case with a court date"},
	{Name: "missed_hearing_banner", Placeholders: []string{"date"}, About: "the banner of a case whose court date was before the referral"},
	{Name: "rerouted_banner", Placeholders: []string{"from", "reason"}, About: "the banner of a referral that comes from another organization that could not take it"},
	{Name: "reason_conflict", About: "{reason} in rerouted_banner: the organization before had a conflict of interest"},
	{Name: "reason_capacity", About: "{reason} in rerouted_banner: the organization before had no capacity"},
	{Name: "reason_priorities", About: "{reason} in rerouted_banner: the case was outside the priorities of the organization before"},
	{Name: "reason_other", About: "{reason} in rerouted_banner: another reason, or one this version does not know"},
	{Name: "reason_no_response", About: "{reason} in rerouted_banner: the organization before did not answer within its response time"},
	{Name: "reason_not_contacted", About: "{reason} in rerouted_banner: the person said the organization before never contacted them"},
	{Name: "link_heading", About: "the heading of the link by which the organization accepts or declines the referral"},
	{Name: "link_text", Placeholders: []string{"hotline"}, About: "what the link to accept or decline the referral is for, and that it is not to be forwarded"},
	{Name: "link_button", About: "the HTML part's button that opens the link to accept or decline the referral"},
	{Name: "facts_heading", About: "the heading of the facts"},
	{Name: "label_urgent", About: "a label of the facts"},
	{Name: "label_safety", About: "a label of the facts"},
	{Name: "label_asked_person", About: "a label of the facts: whether the person asked to talk with a person"},
	{Name: "label_hearing", About: "a label of the facts: the court date"},
	{Name: "label_case_type", About: "a label of the facts"},
	{Name: "label_name", About: "a label of the facts"},
	{Name: "label_callback", About: "a label of the facts"},
	{Name: "label_language", About: "a label of the facts"},
	{Name: "label_opponent", About: "a label of the facts"},
	{Name: "label_household", About: "a label of the facts"},
	{Name: "label_income", About: "a label of the facts"},
	{Name: "label_zip", About: "a label of the facts"},
	{Name: "label_channel", About: "a label of the facts"},
	{Name: "text_label", Placeholders: []string{"label"}, About: "how the plain-text part writes a label before its value"},
	{Name: "yes", About: "a yes"},
	{Name: "no", About: "a no"},
	{Name: "urgent_yes", Placeholders: []string{"reasons"}, About: "the urgent fact of an urgent case"},
	{Name: "safety_yes", About: "the safety fact of a case with a safety concern"},
	{Name: "hearing_missed", Placeholders: []string{"date"}, About: "the hearing fact when the court date was before the referral"},
	{Name: "case_type_code", Placeholders: []string{"case", "code"}, About: "the case type with its LSC problem code"},
	{Name: "conflict_check", About: "the note beside the opposing party"},
	{Name: "household_one", Placeholders: []string{"n"}, About: "a household of one"},
	{Name: "household_many", Placeholders: []string{"n"}, About: "a household of several people"},
	{Name: "per_month", Placeholders: []string{"amount"}, About: "an amount of money a month"},
	{Name: "income_limit", Placeholders: []string{"amount", "percent", "year", "limit"}, About: "the income, for a program with an income limit"},
	{Name: "income_no_limit", Placeholders: []string{"amount", "percent", "year"}, About: "the income, for a program without an income limit"},
	{Name: "income_guideline_limit", Placeholders: []string{"amount", "annual", "percent", "year", "size", "guideline", "limit"}, About: "the income, with the guideline for the household, for a program with an income limit"},
	{Name: "income_guideline_no_limit", Placeholders: []string{"amount", "annual", "percent", "year", "size", "guideline"}, About: "the income, with the guideline for the household, for a program without an income limit"},
	{Name: "as_given", Placeholders: []string{"given", "reading"}, About: "an answer as the person wrote it beside how it was read"},
	{Name: "channel_sms", About: "how the person reached the hotline"},
	{Name: "channel_whatsapp", About: "how the person reached the hotline"},
	{Name: "channel_web", About: "how the person reached the hotline"},
	{Name: "channel_terminal", About: "how the person reached the hotline"},
	{Name: "not_given", About: "an answer the person did not give"},
	{Name: "not_known", About: "a fact the hotline does not know"},
	{Name: "skipped", About: "a question the person skipped"},
	{Name: "none", About: "an empty answer"},
	{Name: "no_number", About: "the callback when there is none"},
	{Name: "answers_heading", About: "the heading of the questions and answers"},
	{Name: "answer_line", Placeholders: []string{"question", "answer"}, About: "a question and its answer in the plain-text part"},
	{Name: "told_heading", About: "the heading of what the person was told, word for word"},
	{Name: "call_back", Placeholders: []string{"name", "phone", "ref"}, About: "what the organization should do"},
	{Name: "the_person", About: "{name} in call_back when the person gave none"},
	{Name: "footer", Placeholders: []string{"hotline"}, About: "the last line of the email"},
	{Name: "the_hotline", About: "{hotline} when the pack has no name"},
	{Name: "alert_subject", Placeholders: []string{"ref", "org"}, About: "the subject of the coordinator's alert"},
	{Name: "alert_subject_urgent", Placeholders: []string{"ref", "org"}, About: "the subject of the coordinator's alert about an urgent case"},
	{Name: "alert_heading", Placeholders: []string{"ref", "org"}, About: "the first line of the alert"},
	{Name: "alert_failed", Placeholders: []string{"email", "attempts"}, About: "what failed, in the alert"},
	{Name: "attempts_one", Placeholders: []string{"n"}, About: "{attempts} in alert_failed, for one attempt"},
	{Name: "attempts_many", Placeholders: []string{"n"}, About: "{attempts} in alert_failed, for several"},
	{Name: "alert_last_error", Placeholders: []string{"error"}, About: "the mail server's last answer, in the alert"},
	{Name: "alert_no_error", About: "{error} in alert_last_error when none was recorded"},
	{Name: "alert_what_to_do", About: "the bold start of the alert's advice"},
	{Name: "alert_call", Placeholders: []string{"org", "phone"}, About: "the alert's advice"},
	{Name: "alert_call_urgent", Placeholders: []string{"org", "phone", "today"}, About: "the alert's advice for an urgent case"},
	{Name: "alert_today", About: "{today} in alert_call_urgent"},
	{Name: "label_organization", About: "a label of the alert"},
	{Name: "label_phone", About: "a label of the alert"},
	{Name: "label_intake_email", About: "a label of the alert"},
	{Name: "alert_the_referral", About: "the line between the alert and the referral it carries"},
	{Name: "loop_subject", Placeholders: []string{"ref", "org"}, About: "the subject of the coordinator's alert that an organization has not answered a referral"},
	{Name: "loop_heading", Placeholders: []string{"ref", "org"}, About: "the first line of the no-answer alert"},
	{Name: "loop_kicker", Placeholders: []string{"hotline"}, About: "the small line above the reference in the no-answer alert's HTML part"},
	{Name: "loop_sent", Placeholders: []string{"date", "time"}, About: "when the referral was sent to the organization that has not answered"},
	{Name: "loop_silent", Placeholders: []string{"org"}, About: "what happened, in the no-answer alert"},
	{Name: "label_response_time", About: "a label of the no-answer alert: the response time the organization promises"},
	{Name: "loop_waiting", About: "the no-answer alert, when the referral stays with the organization"},
	{Name: "loop_rerouted", Placeholders: []string{"next"}, About: "the no-answer alert, when the referral went on to the organization {next}"},
	{Name: "loop_fallback", About: "the no-answer alert, when no organization was left and the person was given the fallback"},
	{Name: "loop_call", Placeholders: []string{"org", "phone", "ref"}, About: "what the coordinator should do, after alert_what_to_do, when the referral stays with the organization"},
	{Name: "loop_call_rerouted", Placeholders: []string{"org", "phone", "ref"}, About: "loop_call when the referral went on to another organization"},
	{Name: "loop_call_fallback", Placeholders: []string{"org", "phone", "ref"}, About: "loop_call when the person was given the fallback"},
	{Name: "loop_moved_subject", Placeholders: []string{"ref", "org", "reason"}, About: "the subject of the coordinator's notice that a referral went on from an organization that declined it, or did not contact the person"},
	{Name: "loop_moved_heading", Placeholders: []string{"ref", "org", "reason"}, About: "the first line of that notice"},
	{Name: "loop_moved_kicker", Placeholders: []string{"hotline"}, About: "the small line above the reference in that notice's HTML part"},
	{Name: "loop_declined", Placeholders: []string{"org", "reason"}, About: "what happened, in that notice, when the organization declined"},
	{Name: "loop_not_contacted", Placeholders: []string{"org"}, About: "what happened, in that notice, when the person said the organization never contacted them"},
	{Name: "loop_call_moved", Placeholders: []string{"org", "phone", "ref"}, About: "what the coordinator should do, in that notice, once the referral went on"},
	{Name: "notice_subject", Placeholders: []string{"ref"}, About: "the subject of the coordinator's notice that a conversation needs a person"},
	{Name: "notice_subject_urgent", Placeholders: []string{"ref"}, About: "the subject of the needs-a-person notice about an urgent case"},
	{Name: "notice_subject_safety", Placeholders: []string{"ref"}, About: "the subject of the needs-a-person notice about a case with a safety concern"},
	{Name: "notice_heading", Placeholders: []string{"ref"}, About: "the first line of the needs-a-person notice"},
	{Name: "notice_kicker", Placeholders: []string{"hotline"}, About: "the small line above the reference in the needs-a-person notice's HTML part"},
	{Name: "notice_raised", Placeholders: []string{"date", "time"}, About: "when the conversation came to need a person"},
	{Name: "notice_asked", About: "why, in the needs-a-person notice, when the person asked for one"},
	{Name: "notice_not_understood", Placeholders: []string{"step"}, About: "why, in the needs-a-person notice, when the bot could not understand an answer; {step} is the question's label"},
	{Name: "notice_not_understood_no_step", About: "notice_not_understood when the question is not known"},
	{Name: "label_why", About: "a label of the needs-a-person notice"},
	{Name: "label_reference", About: "a label of the needs-a-person notice"},
	{Name: "label_question", About: "a label of the needs-a-person notice: the question the person was at"},
	{Name: "label_texts", About: "a label of how to contact the person (and of the needs-a-person notice): whether texts to the person are safe"},
	{Name: "notice_texts_unsafe", About: "the value of label_texts when the person said texts are not safe, in the referral and the notice"},
	{Name: "notice_call", Placeholders: []string{"phone", "ref"}, About: "what the coordinator should do, after alert_what_to_do"},
	{Name: "notice_call_no_number", Placeholders: []string{"ref"}, About: "notice_call when there is no number to call back (the web chat)"},
	{Name: "notice_subject_withdrawn", Placeholders: []string{"ref", "about"}, About: "the subject of the notice that the person of notice {about} sent STOP"},
	{Name: "notice_withdrawn", Placeholders: []string{"about"}, About: "why, in the notice that the person of notice {about} sent STOP"},
	{Name: "notice_call_withdrawn", Placeholders: []string{"about"}, About: "what the coordinator should do when the person of notice {about} sent STOP"},
	// The organization's page for a referral (its link in the email): not an
	// email, but read by the same intake staff, in the same language.
	{Name: "page_title", Placeholders: []string{"ref"}, About: "the title of the organization's page for a referral"},
	{Name: "page_heading", Placeholders: []string{"ref"}, About: "the heading of the referral's page"},
	{Name: "page_for", Placeholders: []string{"org"}, About: "the line below the heading of the referral's page"},
	{Name: "page_status_heading", About: "the heading of where the referral stands, on its page"},
	{Name: "page_status_waiting", About: "where the referral stands when it waits for the organization's answer"},
	{Name: "page_status_accepted", Placeholders: []string{"org"}, About: "where the referral stands once the organization took it"},
	{Name: "page_status_declined", Placeholders: []string{"org", "reason"}, About: "where the referral stands once the organization declined it; {reason} is a page_reason_ text"},
	{Name: "page_status_moved", Placeholders: []string{"org"}, About: "where the referral stands once it went on to another organization, after this one's silence or the person's word"},
	{Name: "page_answer_heading", About: "the heading of the two answers on the referral's page"},
	{Name: "page_accept", About: "the button that takes the referral"},
	{Name: "page_decline_legend", About: "the question above the reasons to decline the referral"},
	{Name: "page_decline", About: "the button that declines the referral for the reason chosen"},
	{Name: "page_reason_conflict", About: "a reason to decline: a conflict of interest"},
	{Name: "page_reason_capacity", About: "a reason to decline: no capacity"},
	{Name: "page_reason_priorities", About: "a reason to decline: outside the organization's priorities or area"},
	{Name: "page_reason_other", About: "a reason to decline: any other"},
	{Name: "page_reason_no_response", About: "why a referral moved on: its organization did not answer in time"},
	{Name: "page_reason_not_contacted", About: "why a referral moved on: the person said the organization never contacted them"},
	{Name: "page_choose_reason", About: "what the referral's page says when it was declined without a reason"},
	{Name: "page_done", About: "what the referral's page says when the organization's answer was recorded"},
	{Name: "page_already", About: "what the referral's page says when an answer came after one had been recorded, and was not applied"},
	{Name: "page_history", About: "the heading of the referral's history"},
	{Name: "page_when", Placeholders: []string{"date", "time"}, About: "when a line of the history happened; {date} and {time} as in made"},
	{Name: "page_event_sent", Placeholders: []string{"org", "reason"}, About: "a line of the history: the referral was sent to {org}"},
	{Name: "page_event_accepted", Placeholders: []string{"org", "reason"}, About: "a line of the history: {org} took the referral"},
	{Name: "page_event_declined", Placeholders: []string{"org", "reason"}, About: "a line of the history: {org} declined the referral, for {reason}"},
	{Name: "page_event_silent", Placeholders: []string{"org", "reason"}, About: "a line of the history: {org} did not answer in its response time, and the coordinator was told"},
	{Name: "page_event_fallback", Placeholders: []string{"org", "reason"}, About: "a line of the history: no organization that fits was left, and the person was given the fallback"},
	{Name: "page_event_follow_up", Placeholders: []string{"org", "reason"}, About: "a line of the history: the person was asked whether {org} contacted them"},
	{Name: "page_event_contacted", Placeholders: []string{"org", "reason"}, About: "a line of the history: the person said {org} contacted them"},
	{Name: "page_event_not_contacted", Placeholders: []string{"org", "reason"}, About: "a line of the history: the person said {org} did not contact them"},
	{Name: "page_event_texted", Placeholders: []string{"org", "reason"}, About: "a line of the history: the person was told by text that the referral went to {org}"},
	{Name: "page_expires", Placeholders: []string{"date", "time"}, About: "until when the referral's link works"},
	{Name: "page_no_personal_data", About: "the note that the referral's page shows nothing about the person"},
	{Name: "page_keep_private", About: "the note that whoever has the link may answer for the organization"},
	{Name: "page_bad_link", About: "the page of a link that does not work (it never says why)"},
	{Name: "page_bad_link_hint", About: "what to do about a link that does not work"},
	{Name: "page_expired", About: "the page of a link that has expired"},
	{Name: "page_expired_hint", About: "what to do about a link that has expired"},
}

// Keys returns the texts the emails need, in the order the sample email.yaml gives
// them. Besides these, each language of the pack needs its name (LanguageKey).
func Keys() []Key {
	return slices.Clone(keys)
}

// languagePrefix starts the key of a language's name.
const languagePrefix = "language_"

// LanguageKey is the key of the name of the language code in the emails, like
// "language_es" for "es": the Language fact says which language the person
// speaks. A pack gives one for each of its languages.
func LanguageKey(code string) string { return languagePrefix + code }

// IsLanguageKey reports whether key names a language (see LanguageKey), and which.
func IsLanguageKey(key string) (code string, ok bool) {
	return strings.CutPrefix(key, languagePrefix)
}

// Placeholders returns the names of the placeholders in text, in order, like
// ["ref", "org"] for "Referral {ref} for {org}". "{{" stands for a literal brace.
// ok is false when a brace is never closed.
func Placeholders(text string) (names []string, ok bool) {
	parts, ok := flows.ParseText(text)
	for _, p := range parts {
		if p.Placeholder {
			names = append(names, p.Text)
		}
	}
	return names, ok
}

// Check reports what is wrong with text as the words of k, or nil: a brace never
// closed, a placeholder k does not offer, or a list of names of the wrong length.
// The pack reports it at the text's file:line:col, for coordinators.
func (k Key) Check(text string) error {
	names, ok := Placeholders(text)
	if !ok {
		return errors.New("a { is never closed; write {{ for a literal brace")
	}
	for _, name := range names {
		if !slices.Contains(k.Placeholders, name) {
			return fmt.Errorf("unknown placeholder {%s}%s; %s", name, flows.Suggest(name, k.Placeholders), k.offers())
		}
	}
	if n := len(strings.Fields(text)); k.Names > 0 && n != k.Names {
		return fmt.Errorf("%d names; give %s: %d names separated by spaces", n, k.About, k.Names)
	}
	return nil
}

// offers says which placeholders k may use.
func (k Key) offers() string {
	if len(k.Placeholders) == 0 {
		return "it takes no placeholders"
	}
	return "it may use {" + strings.Join(k.Placeholders, "}, {") + "}"
}

// Check reports the first thing wrong with w that would stop an email: a key
// missing, a brace never closed, a placeholder the key does not offer, or a list
// of names of the wrong length. Render and RenderAlert call it, so that bad words
// give an error instead of half an email.
func (w Words) Check() error {
	if len(w.Text) == 0 {
		return errors.New("no words to write the email with (Options.Words)")
	}
	var missing []string
	for _, k := range keys {
		text, ok := w.Text[k.Name]
		if !ok {
			missing = append(missing, k.Name)
			continue
		}
		if err := k.Check(text); err != nil {
			return fmt.Errorf("words (%s): %s: %w", w.Lang, k.Name, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("words (%s): missing %s", w.Lang, strings.Join(missing, ", "))
	}
	return nil
}
