package memstore_test

import (
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/memstore"
	"github.com/hotline-legal/hotline/bot/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return memstore.New(time.Now) }, memstore.Shards)
}
