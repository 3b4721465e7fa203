package adminapi

import "time"

// Prefix is the path under which the server mounts the API.
const Prefix = "/_fedstore/admin/v1/"

// Paths of the endpoints.
const (
	PathInfo = Prefix + "info"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// Info is the answer of GET /_fedstore/admin/v1/info.
type Info struct {
	Version       string    `json:"version"`
	Go            string    `json:"go"`
	UptimeSeconds int64     `json:"uptime_seconds"`
	State         StateInfo `json:"state"`
	DataDir       string    `json:"data_dir"`
	Address       string    `json:"address"`
	StartedAt     time.Time `json:"started_at"`
}

// StateInfo describes the state store.
type StateInfo struct {
	// Backend is the implementation: "bolt", "etcd", "memory".
	Backend string `json:"backend"`
	// Revision is the store-wide revision at the time of the call.
	Revision int64 `json:"revision"`
}

// Error is the body of every error response.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}
