package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestVaryingTagSetsBecomeOneFamily(t *testing.T) {
	m := NewTemporal()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	h := m.Handler().WithTags(map[string]string{"namespace": "lianxi"})
	h.Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(3)
	h.Timer("temporal_request_latency").Record(20 * time.Millisecond)
	h.Timer("temporal_request_latency").Record(2 * time.Second)

	want := `
# HELP temporal_request Temporal SDK metric temporal_request.
# TYPE temporal_request counter
temporal_request{namespace="lianxi",operation=""} 2
temporal_request{namespace="lianxi",operation="StartWorkflowExecution"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "temporal_request"); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "temporal_request_latency", "temporal_num_pollers")
	if err != nil || n != 2 {
		t.Fatalf("count %d err %v", n, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "temporal_request_latency" {
			h := mf.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() != 2 || h.GetSampleSum() < 2.0 {
				t.Fatalf("histogram %v", h)
			}
		}
	}
}
