package main

import "syscall"

// childAttrs puts each child in its own process group, so that a Ctrl-C in the
// terminal reaches the harness only and it stops the children in order, and has
// the kernel kill the child if the harness itself dies (even by SIGKILL): no
// redis-server or hotline is left behind on a busy port.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
