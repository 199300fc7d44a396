// The command line of the Savina programs, troupe's (savina_main.cc) and CAF's
// (benchmarks/peers/caf/savina/), so that run_savina.sh passes both the same flags:
//
//   --benchmark=pingpong|counting|fjcreate|fjthrput|threadring|chameneos|big
//   --procs=N     worker threads (troupe's processors, CAF's scheduler.max-threads)
//   --reps=N      timed repetitions after one untimed warm-up
//   --<benchmark>_<parameter>=N   the parameters of params.h, e.g. --pingpong_pings
//
// The Go twin (benchmarks/peers/go/savina) takes the same flags.
#ifndef TROUPE_BENCHMARKS_SAVINA_FLAGS_H_
#define TROUPE_BENCHMARKS_SAVINA_FLAGS_H_

#include <variant>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/benchmarks/savina/params.h"

namespace troupe::savina {

using AnyParams = std::variant<PingPongParams, CountingParams, ForkJoinCreateParams,
                               ForkJoinThroughputParams, ThreadRingParams, ChameneosParams,
                               BigParams>;

struct SavinaConfig {
  AnyParams params;  // the selected benchmark's
  int procs = 2;
  int reps = 5;
  // A repetition that has not finished by then is a lost message: the program
  // fails with a message instead of hanging.
  absl::Duration bound = absl::Minutes(5);
};

// After absl::ParseCommandLine: the configuration the flags ask for, or
// InvalidArgument naming the flag, its value and what is allowed.
absl::StatusOr<SavinaConfig> ConfigFromFlags();

// Parses the command line and returns its configuration; on a bad flag prints the
// error prefixed with `program` and exits with status 2.
SavinaConfig ParseCommandLineOrExit(const char* program, int argc, char** argv);

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_FLAGS_H_
