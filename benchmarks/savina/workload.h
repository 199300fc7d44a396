// The computations inside Savina's benchmarks, shared by the troupe programs and
// their CAF twins (the Go twins, benchmarks/peers/go/savina, write the same):
// Savina's pseudo-random generator (Big), the chameneos colours (Chameneos) and the
// sine that fork-join actors compute per message.
#ifndef TROUPE_BENCHMARKS_SAVINA_WORKLOAD_H_
#define TROUPE_BENCHMARKS_SAVINA_WORKLOAD_H_

#include <cmath>
#include <cstdint>

namespace troupe::savina {

// Savina's PseudoRandom: a 16-bit linear congruential generator, the same sequence in
// every language.
class PseudoRandom {
 public:
  explicit PseudoRandom(int64_t seed) : value_(seed) {}
  // In [0, 65535].
  int64_t Next() {
    value_ = ((value_ * 1309) + 13849) & 65535;
    return value_;
  }
  // In [0, bound) for bound in [1, 65536].
  int64_t Next(int64_t bound) { return Next() % bound; }

 private:
  int64_t value_;
};

enum class Color : int32_t { kRed, kYellow, kBlue, kFaded };

// The colour a chameneos of colour `self` takes after meeting one of colour `other`:
// unchanged if both are equal, else the third colour; faded stays faded.
inline Color Complement(Color self, Color other) {
  if (self == Color::kFaded || other == Color::kFaded) return Color::kFaded;
  if (self == other) return self;
  // The three live colours are 0, 1, 2: the third is 3 minus the other two.
  return static_cast<Color>(3 - static_cast<int32_t>(self) - static_cast<int32_t>(other));
}

// Savina's performComputation(37.2) for the fork-join benchmarks. The angle is read
// through a volatile so that the compiler cannot fold the sine away (Go's compiler
// does not fold math.Sin either). Returns false if sin^2 is not positive, which
// Savina treats as a failed run.
inline bool ComputeSine() {
  static volatile double theta = 37.2;
  const double sine = std::sin(theta);
  return sine * sine > 0;
}

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_WORKLOAD_H_
