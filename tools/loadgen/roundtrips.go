package main

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// roundTrips is a go-redis hook that counts the round trips a client makes: each
// command sent on its own is one, each pipeline is one however many commands it
// holds (the autopipeliner's batches are pipelines). It also counts commands, in
// pipelines or not: a request waits for one round trip per command it sends. The
// connection handshake (HELLO, CLIENT SETINFO) goes through the hooks too, so it
// is counted apart: it is a real round trip, paid once per new connection.
type roundTrips struct {
	calls     atomic.Int64
	pipelines atomic.Int64
	// commands counts every command but the handshakes', in pipelines or not.
	commands atomic.Int64
	// handshakes counts the round trips that set up a new connection (HELLO, the
	// CLIENT SETINFO pipeline): paid per connection, not per message.
	handshakes atomic.Int64
	// names counts commands by name (*atomic.Int64 values), to tell Redis's
	// commandstats apart: commands this client sent versus those its scripts ran.
	names sync.Map
}

var _ redis.Hook = (*roundTrips)(nil)

// DialHook leaves dialling alone.
func (rt *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts a command sent on its own.
func (rt *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		rt.calls.Add(1)
		if handshake[cmd.Name()] {
			rt.handshakes.Add(1)
		}
		rt.count(cmd)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts a pipeline as one round trip.
func (rt *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		rt.pipelines.Add(1)
		setup := true
		for _, cmd := range cmds {
			rt.count(cmd)
			setup = setup && handshake[cmd.Name()]
		}
		if setup {
			rt.handshakes.Add(1)
		}
		return next(ctx, cmds)
	}
}

// handshake holds the commands go-redis sends when it opens a connection.
var handshake = map[string]bool{"hello": true, "auth": true, "client": true, "select": true, "readonly": true}

func (rt *roundTrips) count(cmd redis.Cmder) {
	if !handshake[cmd.Name()] {
		rt.commands.Add(1)
	}
	n, ok := rt.names.Load(cmd.Name())
	if !ok {
		n, _ = rt.names.LoadOrStore(cmd.Name(), new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

// roundTripCount is a snapshot of a roundTrips.
type roundTripCount struct {
	calls, pipelines, handshakes, commands int64
	names                                  map[string]int64
}

func (rt *roundTrips) snapshot() roundTripCount {
	c := roundTripCount{calls: rt.calls.Load(), pipelines: rt.pipelines.Load(), handshakes: rt.handshakes.Load(),
		commands: rt.commands.Load(), names: map[string]int64{}}
	rt.names.Range(func(k, v any) bool {
		c.names[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return c
}

// since is what happened between before and c.
func (c roundTripCount) since(before roundTripCount) roundTripCount {
	d := roundTripCount{calls: c.calls - before.calls, pipelines: c.pipelines - before.pipelines,
		handshakes: c.handshakes - before.handshakes, commands: c.commands - before.commands, names: map[string]int64{}}
	for name, n := range c.names {
		if n -= before.names[name]; n != 0 {
			d.names[name] = n
		}
	}
	return d
}

func (c roundTripCount) add(o roundTripCount) roundTripCount {
	sum := roundTripCount{calls: c.calls + o.calls, pipelines: c.pipelines + o.pipelines,
		handshakes: c.handshakes + o.handshakes, commands: c.commands + o.commands, names: map[string]int64{}}
	for name, n := range c.names {
		sum.names[name] += n
	}
	for name, n := range o.names {
		sum.names[name] += n
	}
	return sum
}

func (c roundTripCount) total() int64 { return c.calls + c.pipelines }

// sortedNames lists a count by name, largest first, for the report.
func sortedNames(counts map[string]int64) []nameCount {
	out := make([]nameCount, 0, len(counts))
	for name, n := range counts {
		out = append(out, nameCount{Name: name, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// nameCount is one command and how often it ran.
type nameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}
