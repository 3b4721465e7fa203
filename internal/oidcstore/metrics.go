package oidcstore

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names (part of the operations contract).
const (
	MetricFetchesTotal     = "fedstore_oidc_fetches_total"
	MetricFetchErrorsTotal = "fedstore_oidc_fetch_errors_total"
)

// Metrics counts the discovery and JWKS fetches of every provider; it
// implements oidc.Metrics.
type Metrics struct {
	fetches *prometheus.CounterVec
	errors  *prometheus.CounterVec
}

// NewMetrics registers the counters on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricFetchesTotal,
			Help: "HTTP fetches of OIDC discovery documents and JWKS, by provider, kind (discovery, jwks) and outcome (ok, error).",
		}, []string{"provider", "kind", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricFetchErrorsTotal,
			Help: "Failed fetches of OIDC discovery documents and JWKS, by provider and kind.",
		}, []string{"provider", "kind"}),
	}
	for _, c := range []prometheus.Collector{m.fetches, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("oidcstore: register metrics: %w", err)
		}
	}
	return m, nil
}

// Fetch records one fetch (err nil on success).
func (m *Metrics) Fetch(provider, kind string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
		m.errors.WithLabelValues(provider, kind).Inc()
	}
	m.fetches.WithLabelValues(provider, kind, outcome).Inc()
}
