package main

import (
	"errors"
	"fmt"
)

// serve will run the SMS and web chat bot. Until the webhook lands it says so.
func (e *env) serve(args []string) error {
	fmt.Fprintln(e.stderr, "hotline serve: not yet: the Twilio webhook and web chat are the next piece of work (see README.md).")
	fmt.Fprintln(e.stderr, "Try the conversation now with: go run ./cmd/hotline chat")
	return errors.New("not yet implemented")
}
