//go:build !linux

package redisserver

import "syscall"

// procAttr: elsewhere than Linux, redis-server is stopped by its starter's own
// cleanup only.
func procAttr() *syscall.SysProcAttr { return nil }
