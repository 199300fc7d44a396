package main

import (
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The resident set size sampled while a design runs, as RssSampler in
// benchmarks/compare/rss_sampler.h does: every 20 ms, at most rssMaxSamples kept
// (when full, every other one is dropped and the interval doubles).

const (
	rssMaxSamples = 2048
	rssInterval   = 20 * time.Millisecond
)

type rssSample struct {
	seconds float64
	kb      int64
}

type rssSampler struct {
	start   time.Time
	stop    chan struct{}
	stopped sync.WaitGroup
	samples []rssSample // the sampler goroutine's until stopped
}

var pageKiB = int64(os.Getpagesize() / 1024)

// currentRSSKiB reads the resident pages from /proc/self/statm; 0 if unreadable.
func currentRSSKiB() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * pageKiB
}

func (s *rssSampler) sample() {
	s.samples = append(s.samples, rssSample{time.Since(s.start).Seconds(), currentRSSKiB()})
}

// startRSSSampler takes the first sample now and samples until stopRSS.
func startRSSSampler() *rssSampler {
	s := &rssSampler{start: time.Now(), stop: make(chan struct{}),
		samples: make([]rssSample, 0, rssMaxSamples)}
	s.sample()
	s.stopped.Add(1)
	go func() {
		defer s.stopped.Done()
		interval := rssInterval
		timer := time.NewTimer(interval)
		for {
			select {
			case <-s.stop:
				timer.Stop()
				return
			case <-timer.C:
				s.sample()
				if len(s.samples) == rssMaxSamples {
					kept := s.samples[:0]
					for i := 0; i < len(s.samples); i += 2 {
						kept = append(kept, s.samples[i])
					}
					s.samples = kept
					interval *= 2
				}
				timer.Reset(interval)
			}
		}
	}()
	return s
}

// stopRSS takes a last sample and returns the series.
func (s *rssSampler) stopRSS() []rssSample {
	close(s.stop)
	s.stopped.Wait()
	s.sample()
	return s.samples
}

// rssSummary: the first sample, the peak, and the growth per minute as the slope of
// a least-squares line through the samples after the first quarter (NaN with fewer
// than 4 of them), over window seconds.
func rssSummary(samples []rssSample) (start, peak int64, growthPerMin, window float64) {
	growthPerMin = math.NaN()
	if len(samples) == 0 {
		return
	}
	start = samples[0].kb
	for _, s := range samples {
		if s.kb > peak {
			peak = s.kb
		}
	}
	from := samples[len(samples)-1].seconds / 4
	var n, st, skb, stt, stkb float64
	for _, s := range samples {
		if s.seconds < from {
			continue
		}
		n++
		st += s.seconds
		skb += float64(s.kb)
		stt += s.seconds * s.seconds
		stkb += s.seconds * float64(s.kb)
	}
	if spread := n*stt - st*st; n >= 4 && spread > 0 {
		growthPerMin = 60 * (n*stkb - st*skb) / spread
		window = samples[len(samples)-1].seconds - from
	}
	return
}

// rssSeries thins samples to about 100 points: seconds, and MiB.
func rssSeries(samples []rssSample) (seconds, mib []string) {
	step := len(samples)/100 + 1
	add := func(s rssSample) {
		seconds = append(seconds, strconv.FormatFloat(s.seconds, 'f', 3, 64))
		mib = append(mib, strconv.FormatFloat(float64(s.kb)/1024, 'f', 2, 64))
	}
	for i := 0; i < len(samples); i += step {
		add(samples[i])
	}
	if len(samples) > 0 && (len(samples)-1)%step != 0 {
		add(samples[len(samples)-1])
	}
	return
}
