package email

import "html/template"

// defaultHTML is the HTML part unless an organization has its own template. It is
// parsed once and never changed (html/template is safe for concurrent use).
//
// Mail programs are not browsers: Gmail drops <style> in many cases and Outlook
// renders with Word, so the layout is nested tables with inline styles only, a
// fixed 600px column, web-safe fonts, and no images, fonts or scripts from outside.
// html/template escapes everything that comes from the view by context. Every word
// comes from the pack (Words), so that an organization reads its email in its own
// language.
//
// For screen readers the reference is the page's h1 (the alert's heading, in
// an alert) and each section has an h2; the organization's link to the
// referral's page is a real link (a "bulletproof" button: a table cell
// coloured behind it, for Outlook, which ignores an a's padding), with its
// address written out under it for a program that shows no links; every text meets WCAG AA contrast
// (4.5:1) on its background, which TestHTMLContrast checks.
var defaultHTML = template.Must(template.New("referral.html").Parse(defaultHTMLSource + frameSource))

const defaultHTMLSource = `{{template "open" .}}
{{- with .Alert}}
<tr><td style="padding:16px 24px;background-color:#7a1010;color:#ffffff;">
<h1 style="margin:0;font-size:17px;font-weight:bold;color:#ffffff;">{{.Heading}}</h1>
</td></tr>
<tr><td style="padding:16px 24px 4px 24px;">
<p style="margin:0 0 10px 0;">{{.Failed}}</p>
<p style="margin:0 0 10px 0;color:#52606d;font-size:13px;">{{.LastError}}</p>
<p style="margin:0 0 10px 0;"><strong>{{.WhatToDo}}</strong> {{.Call.HTML}}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;margin:4px 0 8px 0;">
{{- range .Rows}}
<tr><td style="padding:4px 12px 4px 0;color:#52606d;white-space:nowrap;vertical-align:top;">{{.Label}}</td><td style="padding:4px 0;">{{.Spans.HTML}}</td></tr>
{{- end}}
</table>
</td></tr>
<tr><td style="padding:8px 24px 0 24px;"><div style="border-top:2px solid #d9dee3;font-size:12px;color:#52606d;padding-top:8px;text-transform:uppercase;letter-spacing:1px;">{{.TheReferral}}</div></td></tr>
{{- end}}
<tr><td style="padding:20px 24px 12px 24px;background-color:#0b3d66;color:#ffffff;">
<div style="font-size:13px;color:#c9dcec;">{{.Kicker}}</div>
{{if .Alert}}<h2 style="margin:4px 0 0 0;font-size:22px;font-weight:bold;color:#ffffff;">{{.Ref}}</h2>{{else}}<h1 style="margin:4px 0 0 0;font-size:22px;font-weight:bold;color:#ffffff;">{{.Ref}}</h1>{{end}}
<div style="font-size:14px;margin-top:4px;">{{.For}}</div>
<div style="font-size:13px;color:#c9dcec;margin-top:4px;">{{.Made}}</div>
</td></tr>
{{- template "top" .}}
{{- with .Link}}
<tr><td style="padding:16px 24px 8px 24px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;background-color:#e8f1fa;border:1px solid #b8d0e6;">
<tr><td style="padding:12px 16px;">
<h2 style="margin:0 0 6px 0;font-size:16px;font-weight:bold;color:#0b3d66;">{{.Heading}}</h2>
<p style="margin:0 0 12px 0;color:#1f2933;">{{.Text}}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td style="background-color:#0b4f8a;border-radius:4px;">
<a href="{{.URL}}" style="display:inline-block;padding:10px 18px;background-color:#0b4f8a;color:#ffffff;font-size:15px;font-weight:bold;text-decoration:none;border-radius:4px;">{{.Button}}</a>
</td></tr></table>
<p style="margin:10px 0 0 0;font-size:12px;color:#3e4c59;word-break:break-all;">{{.URL}}</p>
</td></tr>
</table>
</td></tr>
{{- end}}
{{template "facts" .}}
<tr><td style="padding:8px 24px 16px 24px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;background-color:#eef6ee;border:1px solid #cfe3cf;">
<tr><td style="padding:12px 16px;">{{.CallBack.HTML}}</td></tr>
</table>
</td></tr>
{{- if .Told}}
<tr><td style="padding:0 24px 16px 24px;">
<h2 style="font-size:16px;font-weight:bold;margin:0 0 8px 0;color:#1f2933;">{{.ToldHeading}}</h2>
<blockquote style="margin:0;padding:10px 14px;border-left:4px solid #9aa5b1;background-color:#f7f9fa;color:#1f2933;">
{{- range $i, $line := .Told}}{{if $i}}<br>{{end}}{{$line.HTML}}{{end -}}
</blockquote>
</td></tr>
{{- end}}
{{- if .Answers}}
<tr><td style="padding:0 24px 16px 24px;">
<h2 style="font-size:16px;font-weight:bold;margin:0 0 8px 0;color:#1f2933;">{{.AnswersHeading}}</h2>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;">
{{- range .Answers}}
<tr><td style="padding:5px 12px 5px 0;border-bottom:1px solid #eef1f4;color:#52606d;vertical-align:top;width:45%;">{{.Question}}</td><td style="padding:5px 0;border-bottom:1px solid #eef1f4;vertical-align:top;">{{.Answer.HTML}}</td></tr>
{{- end}}
</table>
</td></tr>
{{- end}}
{{template "close" .}}`

// noticeHTML is the HTML part of the coordinator's needs-a-person notice, in the
// referral's layout (see defaultHTML for why it is built this way): the
// safe-contact block, the banners, the facts, and what to do, with the callback
// as a tel: link.
var noticeHTML = template.Must(template.New("notice.html").Parse(noticeHTMLSource + frameSource))

const noticeHTMLSource = `{{template "open" .}}
{{template "alert_head" .}}
{{- template "top" .}}
{{template "facts" .}}
{{template "what_to_do" .}}
{{template "close" .}}`

// loopHTML is the HTML part of the coordinator's alert that an organization
// has not answered a referral, in the notice's layout: what happened and what
// became of the referral, the facts (the organization's phone as a tel:
// link), and what to do.
var loopHTML = template.Must(template.New("loop.html").Parse(loopHTMLSource + frameSource))

const loopHTMLSource = `{{template "open" .}}
{{template "alert_head" .}}
<tr><td style="padding:16px 24px 0 24px;">
<p style="margin:0;">{{.Silent}} <strong>{{.Outcome}}</strong></p>
</td></tr>
{{template "facts" .}}
{{template "what_to_do" .}}
{{template "close" .}}`

// frameSource is what the referral, the notice and the no-answer alert
// share, so that staff learn one look: the page around them ("open" and
// "close"), the safe-contact block and the banners under the heading ("top"),
// and the table of facts.
const frameSource = `{{define "open"}}<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f1f3f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f1f3f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #d9dee3;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1f2933;">{{end}}` +
	`{{define "close"}}<tr><td style="padding:12px 24px;background-color:#f7f9fa;border-top:1px solid #e4e7eb;color:#52606d;font-size:12px;">
{{.Footer}}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
{{end}}` +
	`{{define "top"}}{{if .ContactFirst}}{{template "contact" .Contact}}{{end}}{{template "banners" .Banners}}{{if not .ContactFirst}}{{template "contact" .Contact}}{{end}}{{end}}` +
	`{{define "contact"}}{{with .}}
<tr><td style="padding:16px 24px 8px 24px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;background-color:#fdecea;border:2px solid #b71c1c;">
<tr><td style="padding:12px 16px;">
<h2 style="margin:0 0 6px 0;font-size:16px;font-weight:bold;color:#7a1010;">{{.Heading}}</h2>
{{- if .Rows}}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;">
{{- range .Rows}}
<tr><td style="padding:4px 12px 4px 0;color:#3e4c59;vertical-align:top;width:150px;">{{.Label}}</td><td style="padding:4px 0;vertical-align:top;{{if .Flag}}color:#7a1010;font-weight:bold;{{end}}">{{.Spans.HTML}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- with .Note}}
<p style="margin:6px 0 0 0;font-weight:bold;color:#7a1010;">{{.}}</p>
{{- end}}
</td></tr>
</table>
</td></tr>
{{- end}}{{end}}` +
	`{{define "banners"}}{{- if .Urgent}}
<tr><td style="padding:12px 24px;background-color:#c62828;color:#ffffff;font-weight:bold;font-size:16px;">
{{.Urgent}}
</td></tr>
{{- end}}
{{- if .Safety}}
<tr><td style="padding:12px 24px;background-color:#fff4d6;color:#6b3d00;border-left:6px solid #e08e00;font-weight:bold;">
{{.Safety}}
</td></tr>
{{- end}}
{{- if .Hearing}}
<tr><td style="padding:12px 24px;{{if .HearingMissed}}background-color:#c62828;color:#ffffff;{{else}}background-color:#e8f1fa;color:#0b3d66;border-left:6px solid #0b4f8a;{{end}}font-weight:bold;">
{{.Hearing}}
</td></tr>
{{- end}}
{{- if .Rerouted}}
<tr><td style="padding:12px 24px;background-color:#f3eefc;color:#4a2a7a;border-left:6px solid #6b46c1;font-weight:bold;">
{{.Rerouted}}
</td></tr>
{{- end}}{{end}}` +
	// The coordinator's emails (the notice, the loop alert): the heading, its
	// line below (Subline), and what to do.
	`{{define "alert_head"}}<tr><td style="padding:20px 24px 12px 24px;background-color:#0b3d66;color:#ffffff;">
<div style="font-size:13px;color:#c9dcec;">{{.Kicker}}</div>
<h1 style="margin:4px 0 0 0;font-size:22px;font-weight:bold;color:#ffffff;">{{.Ref}}</h1>
<div style="font-size:14px;margin-top:4px;">{{.Heading}}</div>
<div style="font-size:13px;color:#c9dcec;margin-top:4px;">{{.Subline}}</div>
</td></tr>{{end}}` +
	`{{define "what_to_do"}}<tr><td style="padding:8px 24px 16px 24px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;background-color:#eef6ee;border:1px solid #cfe3cf;">
<tr><td style="padding:12px 16px;"><strong>{{.WhatToDo}}</strong> {{.Call.HTML}}</td></tr>
</table>
</td></tr>{{end}}` +
	`{{define "facts"}}<tr><td style="padding:16px 24px 8px 24px;">
<h2 style="font-size:16px;font-weight:bold;margin:0 0 8px 0;color:#1f2933;">{{.FactsHeading}}</h2>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;">
{{- range .Facts}}
<tr><td style="padding:6px 12px 6px 0;border-bottom:1px solid #eef1f4;color:#52606d;vertical-align:top;width:150px;">{{.Label}}</td><td style="padding:6px 0;border-bottom:1px solid #eef1f4;vertical-align:top;{{if .Flag}}color:#b71c1c;font-weight:bold;{{end}}">{{.Spans.HTML}}{{if .Note}} <span style="display:inline-block;margin-left:4px;padding:1px 6px;background-color:#e8f1fa;color:#0b4f8a;font-size:12px;border-radius:3px;">{{.Note}}</span>{{end}}</td></tr>
{{- end}}
</table>
</td></tr>{{end}}`
