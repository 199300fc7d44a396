package main

import "math"

// pseudoRandom is Savina's generator (benchmarks/savina/workload.h): a 16-bit
// linear congruential generator, the same sequence in every language.
type pseudoRandom struct{ value int64 }

// next returns a value in [0, 65535].
func (r *pseudoRandom) next() int64 {
	r.value = ((r.value * 1309) + 13849) & 65535
	return r.value
}

// nextBelow returns a value in [0, bound) for bound in [1, 65536].
func (r *pseudoRandom) nextBelow(bound int64) int64 { return r.next() % bound }

// color is a chameneos colour.
type color int32

const (
	red color = iota
	yellow
	blue
	faded
)

// complement is the colour a chameneos of colour self takes after meeting one of
// colour other: unchanged if both are equal, else the third colour; faded stays
// faded.
func complement(self, other color) color {
	if self == faded || other == faded {
		return faded
	}
	if self == other {
		return self
	}
	return 3 - self - other
}

// theta is a variable so that the compiler cannot fold the sine away.
var theta = 37.2

// computeSine is Savina's performComputation(37.2) for the fork-join benchmarks; it
// reports false if sin^2 is not positive, which Savina treats as a failed run.
func computeSine() bool {
	s := math.Sin(theta)
	return s*s > 0
}
