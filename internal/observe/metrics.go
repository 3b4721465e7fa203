package observe

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names, part of the operations contract (dashboards use them).
const (
	MetricRequestsTotal    = "fedstore_http_requests_total"
	MetricRequestDuration  = "fedstore_http_request_duration_seconds"
	MetricRequestsInFlight = "fedstore_http_requests_in_flight"
)

// Metrics holds fedstore's Prometheus registry and the HTTP metrics every
// request updates. Other packages register their own collectors with
// Registerer.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics creates a registry holding the HTTP request metrics and the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequestsTotal,
			Help: "HTTP requests served, by API (s3, sts, admin, health, metrics), operation and status code.",
		}, []string{"api", "op", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricRequestDuration,
			Help:    "Time from the request's arrival to the end of its response, by API and operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"api", "op"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricRequestsInFlight,
			Help: "HTTP requests being served right now.",
		}),
	}
	m.registry.MustRegister(
		m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registerer is where other packages register their collectors.
func (m *Metrics) Registerer() prometheus.Registerer { return m.registry }

// Gatherer reads the registry (tests, exposition).
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry:            m.registry,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// Begin counts a request in flight; call the returned func exactly once when
// it ends.
func (m *Metrics) Begin() (end func()) {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// ObserveRequest records one finished request. Empty api or op are recorded
// as "unknown" so every request is counted.
func (m *Metrics) ObserveRequest(api, op string, status int, d time.Duration) {
	if api == "" {
		api = "unknown"
	}
	if op == "" {
		op = "unknown"
	}
	m.requests.WithLabelValues(api, op, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(api, op).Observe(d.Seconds())
}
