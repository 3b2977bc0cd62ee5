//go:build !linux

package main

import "syscall"

// childAttrs: elsewhere than Linux the children keep the harness's process group
// and are stopped by the harness's own cleanup only.
func childAttrs() *syscall.SysProcAttr { return nil }
