//go:build unix

package redisserver

import "syscall"

// pauseSignal and resumeSignal stall a process and let it go on.
var pauseSignal, resumeSignal = syscall.SIGSTOP, syscall.SIGCONT
