package handoff_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/internal/testkit/handoffserver"
)

// loopFields is the link and rerouted of a body, as an organization reads
// them.
type loopFields struct {
	Link     *string `json:"link"`
	Rerouted *struct {
		From   string `json:"from"`
		Reason string `json:"reason"`
		Hop    int    `json:"hop"`
	} `json:"rerouted"`
}

func loopFieldsOf(t *testing.T, r *hotline.Referral) ([]byte, loopFields) {
	t.Helper()
	body, err := handoff.Body(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := handoffserver.Validate(t, body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	var f loopFields
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	return body, f
}

// TestBodyLoop: a referral's link and where it was re-routed from are in the
// body, by the schema, for every reason; a reason the schema does not know
// is sent as other, and hop is never under 1.
func TestBodyLoop(t *testing.T) {
	const link = "https://hotline.example.org/referrals/H-3F7KA.abc_DEF-123"
	for _, tt := range []struct{ reason, want string }{
		{hotline.ReasonConflict, "conflict"},
		{hotline.ReasonCapacity, "capacity"},
		{hotline.ReasonPriorities, "priorities"},
		{hotline.ReasonOther, "other"},
		{hotline.ReasonNoResponse, "no_response"},
		{hotline.ReasonNotContacted, "not_contacted"},
		{"too_busy", "other"},
		{"", "other"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			r := full()
			r.Link = link
			r.Rerouted = &hotline.Reroute{From: "Tenant Rights Clinic", Reason: tt.reason, Hop: 2}
			body, f := loopFieldsOf(t, r)
			if f.Link == nil || *f.Link != link {
				t.Errorf("link = %v, want %q", f.Link, link)
			}
			if f.Rerouted == nil || f.Rerouted.From != "Tenant Rights Clinic" || f.Rerouted.Reason != tt.want || f.Rerouted.Hop != 2 {
				t.Errorf("rerouted = %+v, want from Tenant Rights Clinic, reason %s, hop 2", f.Rerouted, tt.want)
			}
			// Last, after the fields of before, so that a reader of the
			// version without them finds everything where it was.
			if !strings.HasSuffix(string(body), `,"link":"`+link+`","rerouted":{"from":"Tenant Rights Clinic","reason":"`+tt.want+`","hop":2}}`) {
				t.Errorf("the body does not end with link and rerouted: %s", body)
			}
		})
	}
	r := full()
	r.Rerouted = &hotline.Reroute{From: "Tenant Rights Clinic", Reason: hotline.ReasonCapacity}
	if _, f := loopFieldsOf(t, r); f.Rerouted == nil || f.Rerouted.Hop != 1 {
		t.Errorf("rerouted with hop 0 = %+v, want hop 1", f.Rerouted)
	}
}

// TestBodyWithoutLoop: without a link or a re-route the body has neither
// field, not even as null: it is the body of before.
func TestBodyWithoutLoop(t *testing.T) {
	for _, tt := range []struct{ name, link string }{
		{"no link", ""},
		{"a link that is not a URL", "/referrals/abc"},
		{"a link of another scheme", "javascript:alert(1)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := full()
			r.Link = tt.link
			body, f := loopFieldsOf(t, r)
			if f.Link != nil || f.Rerouted != nil || strings.Contains(string(body), `"link"`) || strings.Contains(string(body), `"rerouted"`) {
				t.Errorf("link %q: the body has link or rerouted: %s", tt.link, body)
			}
		})
	}
}

// TestSchemaRefusesBadLoopFields: the schema is strict about the new fields
// too, so that the validation above can fail.
func TestSchemaRefusesBadLoopFields(t *testing.T) {
	r := full()
	r.Link = "https://hotline.example.org/referrals/x"
	r.Rerouted = &hotline.Reroute{From: "Tenant Rights Clinic", Reason: hotline.ReasonConflict, Hop: 1}
	body, err := handoff.Body(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"an unknown reason", `"reason":"conflict"`, `"reason":"busy"`},
		{"hop 0", `"hop":1`, `"hop":0`},
		{"an extra field", `"hop":1`, `"hop":1,"to":"x"`},
		{"a relative link", `"link":"https://hotline.example.org/referrals/x"`, `"link":"/referrals/x"`},
		{"null rerouted", `"rerouted":{"from":"Tenant Rights Clinic","reason":"conflict","hop":1}`, `"rerouted":null`},
	} {
		bad := strings.Replace(string(body), tt.from, tt.to, 1)
		if bad == string(body) {
			t.Fatalf("%s: %q is not in %s", tt.name, tt.from, body)
		}
		if err := handoffserver.Validate(t, []byte(bad)); err == nil {
			t.Errorf("%s: the schema takes %s", tt.name, bad)
		}
	}
}
