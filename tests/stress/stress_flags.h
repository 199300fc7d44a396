// Knobs for troupe's stress tests: how much work to do (TROUPE_STRESS_SCALE), how
// many fibers may be alive at once, and how long a test may take before it fails
// instead of hanging.
#ifndef TROUPE_TESTS_STRESS_STRESS_FLAGS_H_
#define TROUPE_TESTS_STRESS_STRESS_FLAGS_H_

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/time/time.h"

namespace troupe::stress {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderThreadSanitizer = true;
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif

// ThreadSanitizer counts every live fiber as a thread and allows about 8,000, and its
// vector clocks grow with the most threads alive at once, so that every later
// synchronisation in the process costs more: the sanitizer builds keep fewer fibers
// alive at once (and do less work in total).
inline constexpr int kMaxAliveFibers = kUnderThreadSanitizer ? 500 : (kUnderSanitizer ? 2'000 : 10'000);

// Work is divided by this under the sanitizers: ThreadSanitizer runs these tests
// about ten times slower, AddressSanitizer about twice.
inline constexpr int kSanitizerSlowdown = kUnderThreadSanitizer ? 10 : (kUnderSanitizer ? 2 : 1);

// A generous bound on each test's wall time. Passing it fails the test with a
// message (the watchdog); it is never an assertion about speed.
inline constexpr absl::Duration kDeadline = absl::Seconds(120);

inline constexpr int kMaxStressScale = 1'000;

// TROUPE_STRESS_SCALE: an integer multiplier in [1, kMaxStressScale] for every
// test's amount of work; 1 when unset. Any other value crashes with a message, so
// a typo cannot silently run the small default.
inline int StressScale() {
  const char* text = std::getenv("TROUPE_STRESS_SCALE");
  if (text == nullptr || *text == '\0') return 1;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 1 || value > kMaxStressScale) {
    std::fprintf(stderr, "TROUPE_STRESS_SCALE must be an integer in [1, %d]; got \"%s\"\n",
                 kMaxStressScale, text);
    std::abort();
  }
  return static_cast<int>(value);
}

// `base` units of work at scale 1 without sanitizers, scaled by TROUPE_STRESS_SCALE
// and shrunk under the sanitizers; never less than `minimum`.
inline int64_t Scaled(int64_t base, int64_t minimum = 1) {
  const int64_t scaled = base / kSanitizerSlowdown * StressScale();
  return scaled < minimum ? minimum : scaled;
}

}  // namespace troupe::stress

#endif  // TROUPE_TESTS_STRESS_STRESS_FLAGS_H_
