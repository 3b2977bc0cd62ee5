//go:build !unix

package redisserver

import "syscall"

// pauseSignal and resumeSignal are 0 where processes cannot be stalled by a
// signal: Pause and Resume then fail.
var pauseSignal, resumeSignal syscall.Signal
