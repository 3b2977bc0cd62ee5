package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotline-legal/hotline/bot/metrics"
)

// TestNeedsPerson: each conversation that comes to need a person counts once
// under its reason, as Prometheus scrapes it.
func TestNeedsPerson(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.NeedsPerson("asked")
	m.NeedsPerson("asked")
	m.NeedsPerson("not_understood")
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"# TYPE hotline_needs_person_total counter\n",
		`hotline_needs_person_total{reason="asked"} 2` + "\n",
		`hotline_needs_person_total{reason="not_understood"} 1` + "\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape lacks %q:\n%s", want, body)
		}
	}
}
