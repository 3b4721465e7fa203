package authz

import (
	"sync"
	"sync/atomic"
)

// internTable maps a string to a value derived from it, read without a
// lock: readers load an immutable map through an atomic pointer, and a miss
// copies the map with the new entry (under a mutex that only writers take).
// A read-write mutex here made every request write the mutex's reader
// count, a cache line that bounces between cores under parallel load. The
// table is bounded: when full, it starts over.
type internTable struct {
	max  int
	mu   sync.Mutex
	m    atomic.Pointer[map[string]string]
	make func(string) string
}

func newInternTable(limit int, derive func(string) string) *internTable {
	t := &internTable{max: limit, make: derive}
	m := map[string]string{}
	t.m.Store(&m)
	return t
}

// get returns derive(k), from the table when it is there.
func (t *internTable) get(k string) string {
	if v, ok := (*t.m.Load())[k]; ok {
		return v
	}
	v := t.make(k)
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.m.Load()
	if _, ok := old[k]; ok {
		return v
	}
	var next map[string]string
	if len(old) >= t.max {
		next = make(map[string]string, 1)
	} else {
		next = make(map[string]string, len(old)+1)
		for key, val := range old {
			next[key] = val
		}
	}
	next[k] = v
	t.m.Store(&next)
	return v
}

// len is the number of entries (for tests).
func (t *internTable) len() int { return len(*t.m.Load()) }
