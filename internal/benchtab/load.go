package benchtab

import (
	"slices"
	"sync"
	"time"
)

// Result is what Load measured: operations done, the wall time they took
// and the latency of each.
type Result struct {
	Ops     int
	Elapsed time.Duration
	Lat     []time.Duration
}

// Rate is operations per second of wall time.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// P returns the p-th percentile latency (nearest rank) in milliseconds.
func (r Result) P(p int) float64 {
	if len(r.Lat) == 0 {
		return 0
	}
	s := slices.Clone(r.Lat)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return float64(s[max(i-1, 0)].Microseconds()) / 1000
}

// Add merges another run of the same operation (wall times add up).
func (r *Result) Add(o Result) {
	r.Ops += o.Ops
	r.Elapsed += o.Elapsed
	r.Lat = append(r.Lat, o.Lat...)
}

// Load runs op n times from clients goroutines at once, the calls split as
// evenly as they go (client c makes the calls i = c, c+clients, …), and
// times each call. The first error stops every client and is returned.
func Load(clients, n int, op func(client, i int) error) (Result, error) {
	counts := make([]int, clients)
	for i := range n {
		counts[i%clients]++
	}
	return LoadEach(counts, func(c, k int) error { return op(c, c+k*clients) })
}

// LoadEach runs counts[c] calls of op from client c, the clients at once,
// and times each call. The first error stops every client and is
// returned.
func LoadEach(counts []int, op func(client, k int) error) (Result, error) {
	lat := make([][]time.Duration, len(counts))
	var (
		wg   sync.WaitGroup
		once sync.Once
		err  error
		stop = make(chan struct{})
	)
	start := time.Now()
	for c, n := range counts {
		lat[c] = make([]time.Duration, 0, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range n {
				select {
				case <-stop:
					return
				default:
				}
				t := time.Now()
				if e := op(c, k); e != nil {
					once.Do(func() { err = e; close(stop) })
					return
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}()
	}
	wg.Wait()
	r := Result{Elapsed: time.Since(start)}
	for _, l := range lat {
		r.Ops += len(l)
		r.Lat = append(r.Lat, l...)
	}
	return r, err
}
