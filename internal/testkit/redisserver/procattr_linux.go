package redisserver

import "syscall"

// procAttr puts redis-server in its own process group, so that a Ctrl-C in the
// terminal reaches only the program that started it, which stops it in order; and
// has the kernel kill it if that program dies (even by SIGKILL), so that no
// redis-server is left behind on a busy port.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
