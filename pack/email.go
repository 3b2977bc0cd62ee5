package pack

import (
	"maps"
	"slices"
	"strings"

	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
)

// readEmail reads email.yaml, the words of the emails, and checks them against
// what bot/email declares it needs: every key in every language of the pack
// (and each language's name), no other key, only the placeholders each text may
// use, and 12 months and 7 weekdays.
func (l *loader) readEmail() {
	var file map[string]*flows.Text
	if !l.decode(emailFileName, &file, true) || l.langs == nil {
		// Without the flow the pack's languages are not known; its own errors say why.
		return
	}
	keys := email.Keys()
	for _, lang := range l.langs {
		keys = append(keys, email.Key{Name: email.LanguageKey(lang), About: "the name of the language " + lang})
	}
	known := map[string]email.Key{}
	var names []string
	for _, k := range keys {
		known[k.Name] = k
		names = append(names, k.Name)
	}
	words := map[string]email.Words{}
	for _, lang := range l.langs {
		words[lang] = email.Words{Lang: lang, Text: map[string]string{}}
	}
	for _, name := range slices.Sorted(maps.Keys(file)) {
		t := file[name]
		if t == nil {
			continue // reported as missing below
		}
		k, ok := known[name]
		switch {
		case !ok:
			if code, isLanguage := email.IsLanguageKey(name); isLanguage {
				l.errorf(t.Pos, "%s: %q is not one of the pack's languages (%s)", name, code, strings.Join(l.langs, ", "))
			} else {
				l.errorf(t.Pos, "unknown text %q%s; the emails use the texts of the sample pack's %s", name, flows.Suggest(name, names), emailFileName)
			}
			continue
		case t.Key != "":
			l.errorf(t.Pos, "%s: give one text per language (en: ..., es: ...)", name)
			continue
		}
		for _, channel := range slices.Sorted(maps.Keys(t.Variants)) {
			// The emails go to organizations and staff, whatever channel
			// the screening came by.
			l.errorf(t.Variants[channel].Pos, "%s: %s: an email is the same whatever channel the screening came by; give one text per language only", name, channel)
		}
		for _, lang := range slices.Sorted(maps.Keys(t.ByLang)) {
			if !slices.Contains(l.langs, lang) {
				l.errorf(t.ByLang[lang].Pos, "%s: %q is not one of the pack's languages (%s)", name, lang, strings.Join(l.langs, ", "))
			}
		}
		for _, lang := range l.langs {
			s, ok := t.ByLang[lang]
			if !ok {
				if text, found := l.sampleText(name, lang); found {
					words[lang].Text[name] = text
					l.warnf(t.Pos, "%s: missing the %q text, which this version of Hotline added: the sample pack's is used for now; add it (the sample's %s has it)", name, lang, emailFileName)
					continue
				}
				l.errorf(t.Pos, "%s: missing the %q text", name, lang)
				continue
			}
			l.checkEmailText(k, lang, s)
			words[lang].Text[name] = s.Value
		}
	}
	for i, k := range keys {
		if file[k.Name] != nil {
			continue
		}
		pos, after := whereMissing(file, keys[:i])
		if l.upgradeFromSample(k.Name, words) {
			l.warnf(pos, "missing %q, %s, which this version of Hotline added: the sample pack's text is used for now; add it%s in every language (the sample's %s has it)",
				k.Name, k.About, after, emailFileName)
			continue
		}
		l.errorf(pos, "missing %q, %s; give it in every language%s", k.Name, k.About, after)
	}
	for lang, w := range words {
		// Checked above key by key, with positions; prepared (checked as a
		// whole and parsed) once here for every email to come.
		if prepared, err := w.Prepare(); err == nil {
			words[lang] = prepared
		}
	}
	l.p.emailWords = words
}

// addedEmailKeys are the texts the emails gained with the JSON hand-off
// (issue 13: the safe contact, the court date in the subject and banner,
// headings, the income beside the guideline...) and with the referral loop
// (issue 15: the organization's link, the re-routed banner and its reasons,
// the alert about an organization that has not answered, and the words of
// the organization's page for a referral). A pack written before lacks them;
// loading it must not fail the day its server is upgraded.
func addedEmailKeys() []string {
	return []string{
		"subject_hearing", "subject_missed_hearing", "subject_language", "date_short",
		"contact_heading", "label_voicemail", "voicemail_no", "voicemail_yes", "texts_yes", "label_safe_when", "contact_not_asked",
		"hearing_banner", "missed_hearing_banner", "facts_heading", "label_asked_person", "label_hearing", "hearing_missed",
		"income_guideline_limit", "income_guideline_no_limit", "as_given", "told_heading",
		// Issue 15.
		"subject_rerouted", "rerouted_banner",
		"reason_conflict", "reason_capacity", "reason_priorities", "reason_other", "reason_no_response", "reason_not_contacted",
		"link_heading", "link_text", "link_button",
		"loop_subject", "loop_heading", "loop_kicker", "loop_sent", "loop_silent", "label_response_time",
		"loop_waiting", "loop_rerouted", "loop_fallback", "loop_call", "loop_call_rerouted", "loop_call_fallback",
		"loop_moved_subject", "loop_moved_heading", "loop_moved_kicker", "loop_declined", "loop_not_contacted", "loop_call_moved",
		// The organization's page for a referral (issue 15).
		"page_title", "page_heading", "page_for", "page_status_heading", "page_status_waiting", "page_status_accepted",
		"page_status_declined", "page_status_moved", "page_answer_heading", "page_accept", "page_decline_legend", "page_decline",
		"page_reason_conflict", "page_reason_capacity", "page_reason_priorities", "page_reason_other",
		"page_reason_no_response", "page_reason_not_contacted", "page_choose_reason", "page_done", "page_already",
		"page_history", "page_when", "page_event_sent", "page_event_accepted", "page_event_declined", "page_event_silent",
		"page_event_fallback", "page_event_follow_up", "page_event_contacted", "page_event_not_contacted", "page_event_texted",
		"page_expires", "page_no_personal_data", "page_keep_private", "page_bad_link", "page_bad_link_hint",
		"page_expired", "page_expired_hint",
	}
}

// sampleText is the embedded sample pack's text of an email key added since
// (addedEmailKeys) in lang, for a pack that lacks it; found is false
// for any other key, or a language the sample does not have (only en and es).
func (l *loader) sampleText(name, lang string) (text string, found bool) {
	if !slices.Contains(addedEmailKeys(), name) {
		return "", false
	}
	if l.sampleEmail == nil {
		l.sampleEmail = map[string]*flows.Text{}
		// The sample is checked by its own tests; a problem here leaves
		// every key to its error.
		_, _ = flows.DecodeFile(defaultpack.FS, emailFileName, &l.sampleEmail, true)
	}
	t := l.sampleEmail[name]
	if t == nil {
		return "", false
	}
	s, ok := t.ByLang[lang]
	return s.Value, ok
}

// upgradeFromSample gives words the sample pack's text of an added key
// (sampleText) in every language of the pack, and reports whether it could:
// false when the key is not one added since (addedEmailKeys), or a language of the pack is
// not the sample's (then the key is missing, an error, as before).
func (l *loader) upgradeFromSample(name string, words map[string]email.Words) bool {
	texts := map[string]string{}
	for _, lang := range l.langs {
		text, found := l.sampleText(name, lang)
		if !found {
			return false
		}
		texts[lang] = text
	}
	for lang, text := range texts {
		words[lang].Text[name] = text
	}
	return true
}

// checkEmailText checks one language's text of key k, as the email itself will.
func (l *loader) checkEmailText(k email.Key, lang string, s flows.Scalar) {
	if err := k.Check(s.Value); err != nil {
		l.errorf(s.Pos, "%s: %s: %v", k.Name, lang, err)
	}
}

// whereMissing is where a missing key belongs, and says so: after the key before
// it in the sample's order when the file has one, else at the top of the file.
func whereMissing(file map[string]*flows.Text, before []email.Key) (flows.Pos, string) {
	for i := len(before) - 1; i >= 0; i-- {
		if t := file[before[i].Name]; t != nil {
			return t.Pos, " (after " + before[i].Name + ")"
		}
	}
	return flows.Pos{File: emailFileName, Line: 1, Col: 1}, ""
}

// EmailWords returns the words of the emails in lang, an organization's
// email_language; in the pack's first language when the pack has no such
// language (a referral queued before the pack changed). The words are shared:
// they must not be changed.
func (p *Pack) EmailWords(lang string) email.Words {
	if w, ok := p.emailWords[lang]; ok {
		return w
	}
	return p.emailWords[p.Flow.Languages[0]]
}
