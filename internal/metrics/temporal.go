// Package metrics exposes Lianxi's Temporal SDK metrics to Prometheus. The
// SDK reports counters, gauges and timers with tag sets that vary within one
// metric name; Prometheus wants one label set per family, so series are kept
// here and each scrape emits every family with the union of its tag names.
package metrics

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

type kind int

const (
	counterKind kind = iota
	gaugeKind
	timerKind
)

// buckets are timer buckets in seconds, from a millisecond to a minute.
var buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

type series struct {
	tags    map[string]string
	value   float64
	counts  []uint64 // per bucket, not cumulative
	count   uint64
	sum     float64
	touched bool
}

type family struct {
	kind   kind
	series map[string]*series
}

// Temporal collects SDK metrics; register it with a Prometheus registry and
// pass Handler() to the SDK client.
type Temporal struct {
	mu       sync.Mutex
	families map[string]*family
}

// NewTemporal returns an empty collector.
func NewTemporal() *Temporal { return &Temporal{families: map[string]*family{}} }

// Handler returns the SDK metrics handler that feeds the collector.
func (t *Temporal) Handler() client.MetricsHandler { return &handler{t: t, tags: map[string]string{}} }

func (t *Temporal) series(name string, k kind, tags map[string]string) *series {
	name = sanitize(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.families[name]
	if f == nil {
		f = &family{kind: k, series: map[string]*series{}}
		t.families[name] = f
	}
	key := seriesKey(tags)
	s := f.series[key]
	if s == nil {
		s = &series{tags: tags}
		if k == timerKind {
			s.counts = make([]uint64, len(buckets))
		}
		f.series[key] = s
	}
	return s
}

func seriesKey(tags map[string]string) string {
	keys := slices.Sorted(maps.Keys(tags))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(tags[k])
		b.WriteByte(0)
	}
	return b.String()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == ':' {
			return r
		}
		return '_'
	}, s)
}

// Describe sends nothing: the collector is unchecked, since its families
// appear as the SDK reports them.
func (t *Temporal) Describe(chan<- *prometheus.Desc) {}

// Collect emits every family with the union of its series' tag names.
func (t *Temporal) Collect(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, f := range t.families {
		labelSet := map[string]bool{}
		for _, s := range f.series {
			for k := range s.tags {
				labelSet[sanitize(k)] = true
			}
		}
		labels := slices.Sorted(maps.Keys(labelSet))
		desc := prometheus.NewDesc(name, "Temporal SDK metric "+name+".", labels, nil)
		for _, s := range f.series {
			values := make([]string, len(labels))
			for i, l := range labels {
				for k, v := range s.tags {
					if sanitize(k) == l {
						values[i] = v
					}
				}
			}
			switch f.kind {
			case counterKind:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, s.value, values...)
			case gaugeKind:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, s.value, values...)
			case timerKind:
				cum := map[float64]uint64{}
				var run uint64
				for i, b := range buckets {
					run += s.counts[i]
					cum[b] = run
				}
				ch <- prometheus.MustNewConstHistogram(desc, s.count, s.sum, cum, values...)
			}
		}
	}
}

type handler struct {
	t    *Temporal
	tags map[string]string
}

func (h *handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	maps.Copy(merged, tags)
	return &handler{t: h.t, tags: merged}
}

func (h *handler) Counter(name string) client.MetricsCounter {
	return counter{t: h.t, s: h.t.series(name, counterKind, h.tags)}
}

func (h *handler) Gauge(name string) client.MetricsGauge {
	return gauge{t: h.t, s: h.t.series(name, gaugeKind, h.tags)}
}

func (h *handler) Timer(name string) client.MetricsTimer {
	return timer{t: h.t, s: h.t.series(name, timerKind, h.tags)}
}

type counter struct {
	t *Temporal
	s *series
}

func (c counter) Inc(d int64) {
	c.t.mu.Lock()
	c.s.value += float64(d)
	c.t.mu.Unlock()
}

type gauge struct {
	t *Temporal
	s *series
}

func (g gauge) Update(v float64) {
	g.t.mu.Lock()
	g.s.value = v
	g.t.mu.Unlock()
}

type timer struct {
	t *Temporal
	s *series
}

func (m timer) Record(d time.Duration) {
	sec := d.Seconds()
	m.t.mu.Lock()
	defer m.t.mu.Unlock()
	m.s.count++
	m.s.sum += sec
	for i, b := range buckets {
		if sec <= b {
			m.s.counts[i]++
			return
		}
	}
}
