package hotline_test

import (
	"strings"
	"testing"

	"github.com/hotline-legal/hotline"
)

// TestConversationKey: the keys conversations are stored under never change
// between releases (values from the first release's formula); no phone number
// shows in them.
func TestConversationKey(t *testing.T) {
	for _, c := range []struct {
		conv hotline.Conversation
		want string
	}{
		{hotline.Conversation{Channel: "sms", From: "+13125550100", To: "+13125550199"}, "acadlu2bmsjff5lgt2tgh7yv"},
		{hotline.Conversation{Channel: "whatsapp", From: "+5215512345678", To: "+13125550199"}, "ehxe52zpmrbvq7ia53plubap"},
		{hotline.Conversation{Channel: "web", From: "s-0123456789abcdef"}, "oxppaxcjovlqgz4jtvyeaj6m"},
	} {
		if got := c.conv.Key(); got != c.want {
			t.Errorf("%+v.Key() = %q, want %q", c.conv, got, c.want)
		}
	}
	long := hotline.Conversation{Channel: "sms", From: strings.Repeat("9", 200), To: "+13125550199"}
	if k := long.Key(); len(k) != 24 || k == (hotline.Conversation{Channel: "sms", From: strings.Repeat("9", 199), To: "+13125550199"}).Key() {
		t.Errorf("a long sender's key %q", k)
	}
}
