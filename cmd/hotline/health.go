package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// health asks the local server's /readyz and exits 0 when it is ready: the
// container image's HEALTHCHECK, which has no curl to do it.
func (e *env) health(args []string) error {
	if len(args) > 0 {
		fmt.Fprintln(e.stderr, "hotline health: takes no arguments; it reads HOTLINE_ADDR")
		return errUsage
	}
	addr := e.getenv("HOTLINE_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("HOTLINE_ADDR %q: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort("127.0.0.1", port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: /readyz answered %s", resp.Status)
	}
	fmt.Fprintln(e.stdout, "ready")
	return nil
}
