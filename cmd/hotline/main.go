// Command hotline is the legal aid intake bot: it serves the SMS and web chat
// conversation (serve) and lets coordinators check, try, test and draw a screening
// pack (check, chat, test, graph). Everything happens in run, so tests can drive it.
package main

import (
	"context"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		os.Exit(exitStatus(err))
	}
}
