// The parameters of troupe's Savina benchmarks (Imam & Sarkar, "Savina — An Actor
// Benchmark Suite", AGERE! 2014), shared by the troupe programs (savina.h) and their
// CAF twins (benchmarks/peers/caf/savina/); the Go twins (benchmarks/peers/go/savina)
// declare the same flags with the same defaults.
//
// Each default is Savina's own (named in the comment beside it) scaled so that one
// repetition of troupe takes about a second on the project's 2-core machine, so that
// timer resolution and start-up are noise. Items are what each benchmark's rate
// counts; the same count for troupe, Go and CAF.
#ifndef TROUPE_BENCHMARKS_SAVINA_PARAMS_H_
#define TROUPE_BENCHMARKS_SAVINA_PARAMS_H_

#include <cstdint>

#include "absl/status/status.h"

namespace troupe::savina {

// A ping actor sends `pings` pings to a pong actor, one at a time; after each pong
// it sends itself a note to send the next. Items: pings.
struct PingPongParams {
  static constexpr const char* kName = "PingPong";
  int64_t pings = 4'000'000;  // Savina: 40,000 (x100)
};

// A producer actor sends `messages` increments to a counter actor, then asks for the
// count, which must equal `messages`. Items: increments.
struct CountingParams {
  static constexpr const char* kName = "Counting";
  int64_t messages = 25'000'000;  // Savina: 1,000,000 (x25)
};

// `actors` actors are created, each sent one message, on which it computes one sine
// and stops. Items: actors.
struct ForkJoinCreateParams {
  static constexpr const char* kName = "ForkJoinCreate";
  int64_t actors = 200'000;  // Savina: 40,000 (x5)
};

// `actors` actors each receive `messages` messages (sent round-robin: one to each
// actor, `messages` times), compute one sine per message, and stop after the last.
// Items: messages (actors x messages).
struct ForkJoinThroughputParams {
  static constexpr const char* kName = "ForkJoinThroughput";
  int64_t actors = 60;        // Savina: 60
  int64_t messages = 40'000;  // Savina: 10,000 per actor (x4)
};

// `actors` actors in a ring pass a token `hops` times, then pass an exit around the
// ring. Items: hops.
struct ThreadRingParams {
  static constexpr const char* kName = "ThreadRing";
  int64_t actors = 100;        // Savina: 100
  int64_t hops = 5'000'000;    // Savina: 100,000 (x50)
};

// `creatures` chameneos meet in pairs at a mall actor until `meetings` meetings took
// place; each creature counts its meetings, and the counts must sum to twice
// `meetings`. Items: meetings.
struct ChameneosParams {
  static constexpr const char* kName = "Chameneos";
  int64_t creatures = 100;       // Savina: 100
  int64_t meetings = 2'000'000;  // Savina: 200,000 (x10)
};

// `actors` actors each send `pings` pings, one at a time, to neighbours picked by
// Savina's pseudo-random generator, and answer every ping they get with a pong.
// Items: pings (actors x pings).
struct BigParams {
  static constexpr const char* kName = "Big";
  int64_t actors = 120;       // Savina: 120
  int64_t pings = 20'000;     // Savina: 20,000 per actor
};

// InvalidArgument naming the flag, its value and what is allowed, or OK.
absl::Status Validate(const PingPongParams& params);
absl::Status Validate(const CountingParams& params);
absl::Status Validate(const ForkJoinCreateParams& params);
absl::Status Validate(const ForkJoinThroughputParams& params);
absl::Status Validate(const ThreadRingParams& params);
absl::Status Validate(const ChameneosParams& params);
absl::Status Validate(const BigParams& params);

// The items one repetition processes (see each struct).
inline int64_t Items(const PingPongParams& p) { return p.pings; }
inline int64_t Items(const CountingParams& p) { return p.messages; }
inline int64_t Items(const ForkJoinCreateParams& p) { return p.actors; }
inline int64_t Items(const ForkJoinThroughputParams& p) { return p.actors * p.messages; }
inline int64_t Items(const ThreadRingParams& p) { return p.hops; }
inline int64_t Items(const ChameneosParams& p) { return p.meetings; }
inline int64_t Items(const BigParams& p) { return p.actors * p.pings; }

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_PARAMS_H_
