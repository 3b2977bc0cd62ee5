package memstore_test

import (
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/memstore"
	"github.com/hotline-legal/hotline/bot/storetest"
)

func TestContract(t *testing.T) {
	clocks := map[storetest.Store]*clock{}
	storetest.Run(t, func(t *testing.T) storetest.Store {
		c := &clock{now: time.Now()}
		s := memstore.New(c.Now)
		clocks[s] = c
		return s
	}, memstore.Shards, func(t *testing.T, s storetest.Store, conv string) {
		// The suite's TTLs are an hour or a day; its message ids are kept 48
		// hours after the last message.
		clocks[s].now = clocks[s].now.Add(25 * time.Hour)
	})
}

// clock is a clock the tests move.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }
