// Package texter sends outbound text messages through Twilio's REST API.
package texter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// defaultTimeout bounds one request to Twilio when the caller brings no http.Client. It is also what bounds
// the goroutine Send leaves behind when its ctx ends first, since twilio-go cannot be cancelled.
const defaultTimeout = 10 * time.Second

// Twilio sends messages with github.com/twilio/twilio-go's REST client (Api.CreateMessage).
type Twilio struct {
	accountSID string
	api        *api.ApiService
}

// NewTwilio returns a Twilio sender for an account. httpClient may be nil (a client with a 10 s timeout that does
// not follow redirects is used); tests pass one whose transport sends api.twilio.com requests to a local server.
func NewTwilio(accountSID, authToken string, httpClient *http.Client) *Twilio {
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout: defaultTimeout,
			// Following a redirect could turn the POST into a GET (301-303) or post the message somewhere
			// else (307, 308); twilio-go's own default client refuses redirects too.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	c := &client.Client{
		Credentials: client.NewCredentials(accountSID, authToken),
		HTTPClient:  httpClient,
	}
	c.SetAccountSid(accountSID)
	// The handler is built by hand rather than with client.NewRequestHandler or twilio.NewRestClientWithParams:
	// those read TWILIO_EDGE and TWILIO_REGION from the process environment, and settings here come only
	// through config. Building just the v2010 service also avoids compiling every other Twilio product.
	handler := &client.RequestHandler{Client: c}
	return &Twilio{accountSID: accountSID, api: api.NewApiService(handler)}
}

// Send texts body from the hotline's number to a person (both E.164, or both "whatsapp:+E164") and asks Twilio to
// report delivery to statusCallback (may be ""). It returns Twilio's message SID. ctx bounds the wait even though
// twilio-go takes no context: the call runs in a goroutine, so a cancelled ctx returns ctx.Err() promptly, and
// the HTTP client's timeout bounds that goroutine.
//
// When ctx ends while the request is in flight, Twilio may still have accepted the message: a caller that
// retries after ctx.Err() can send it twice, so give ctx more time than the HTTP client's timeout when that
// matters.
func (t *Twilio) Send(ctx context.Context, from, to, body, statusCallback string) (sid string, err error) {
	// Nothing is sent for a caller that has already given up.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := &api.CreateMessageParams{}
	// The account is put in the path explicitly rather than left to the client's default, so the request
	// always names the account whose credentials sign it.
	params.SetPathAccountSid(t.accountSID)
	params.SetFrom(from)
	params.SetTo(to)
	params.SetBody(body)
	if statusCallback != "" {
		params.SetStatusCallback(statusCallback)
	}

	type result struct {
		msg *api.ApiV2010Message
		err error
	}
	// Buffered so the goroutine can always deliver its result and end, even after Send has returned.
	done := make(chan result, 1)
	go func() {
		msg, err := t.api.CreateMessage(params)
		done <- result{msg, err}
	}()

	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-done:
		if r.err != nil {
			return "", fmt.Errorf("texter: send: %w", r.err)
		}
		// A 2xx without a SID (a proxy's page, say) must not look like success: the caller stores the SID
		// to match delivery reports.
		if r.msg == nil || r.msg.Sid == nil || *r.msg.Sid == "" {
			return "", errors.New("texter: send: Twilio's reply has no message sid")
		}
		return *r.msg.Sid, nil
	}
}

// IsPermanent reports whether a Send error will not go away by retrying: Twilio's 4xx errors (twilio-go's
// *client.TwilioRestError with Status 400-499, e.g. 21211 invalid 'To', 21610 unsubscribed recipient), except
// 429 Too Many Requests. Network errors, 5xx and 429 are temporary.
func IsPermanent(err error) bool {
	var rest *client.TwilioRestError
	if !errors.As(err, &rest) {
		return false
	}
	return rest.Status >= 400 && rest.Status < 500 && rest.Status != http.StatusTooManyRequests
}

// IsRetryable reports whether a Send error is a definite failure that a later try may get past: Twilio answered
// 429 Too Many Requests with its JSON error (it refused the message before making it), or no connection to it
// could be made (a dial error, DNS included: no byte of the request was written). A 5xx is not: a 500, 502 or 504
// can follow a message Twilio made before failing to answer, and a retry would text the person twice. Any other error that is not permanent
// (IsPermanent) leaves the outcome unknown: a timeout, a cancelled ctx, a connection lost mid-request, a proxy's
// page or a 2xx without a message may all follow a request Twilio took, so a sender that must never text twice
// gives up on it rather than retry.
func IsRetryable(err error) bool {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return rest.Status == http.StatusTooManyRequests
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// RewriteTransport is an http.RoundTripper that sends every request to base (scheme://host:port) instead of the
// host it names, keeping path and query: how tests point twilio-go at a local server.
type RewriteTransport struct {
	// Base is where requests go; only its scheme and host (with port) are used. It must be set.
	Base *url.URL
	// Next carries the rewritten request; nil means http.DefaultTransport.
	Next http.RoundTripper
}

// RoundTrip sends a copy of req to t.Base. The copy is needed because a RoundTripper must not modify the
// request it is given.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Base == nil {
		// A RoundTripper owns the request body even when it fails.
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("texter: RewriteTransport has no Base")
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = t.Base.Scheme
	out.URL.Host = t.Base.Host
	// Host overrides URL.Host on the wire; clearing it makes the Host header name the server actually dialled.
	out.Host = ""
	return next.RoundTrip(out)
}

// Describe says what went wrong with a Send in words safe for logs: Twilio's error
// messages often quote the phone number, so only the code and status are kept.
func Describe(err error) string {
	var rest *client.TwilioRestError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rest):
		return fmt.Sprintf("Twilio error %d (HTTP %d)", rest.Code, rest.Status)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "timed out or cancelled"
	}
	return "could not reach Twilio"
}
