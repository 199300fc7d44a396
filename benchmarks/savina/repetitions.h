// The timing loop of the Savina programs, troupe's and CAF's: one untimed warm-up
// repetition, then the timed ones, each printed as a result line in the format of
// the other peer programs (peer_program.h), which run_savina.sh reads:
//
//   name=PingPong items=2000000 seconds=0.812345 items_per_second=2.462e6
#ifndef TROUPE_BENCHMARKS_SAVINA_REPETITIONS_H_
#define TROUPE_BENCHMARKS_SAVINA_REPETITIONS_H_

#include <cstdint>
#include <variant>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "troupe/benchmarks/savina/flags.h"

namespace troupe::savina {

// Runs `rep` once untimed (the warm-up: its result is validated too), then `reps`
// times timed, printing each timed repetition's line. `rep` runs one whole
// repetition and returns OK only if its result validated. Returns the process's exit
// status: 0, or 1 after printing the first error prefixed with `program`.
int RunRepetitions(const char* program, const char* name, int64_t items, int reps,
                   absl::FunctionRef<absl::Status()> rep);

// A repetition's check of a total its actors counted: `total`'s error, or OK if it
// equals `want`, or an error saying "<what>: <total>, want <want>".
absl::Status ExpectTotal(const absl::StatusOr<int64_t>& total, int64_t want,
                         absl::string_view what);

// RunRepetitions for the benchmark `config` selects: `run_one(params)` runs one
// repetition of it, overloaded on the parameter types of params.h.
template <typename RunOne>
int RunSelectedBenchmark(const char* program, const SavinaConfig& config, RunOne&& run_one) {
  return std::visit(
      [&](const auto& params) {
        return RunRepetitions(program, params.kName, Items(params), config.reps,
                              [&] { return run_one(params); });
      },
      config.params);
}

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_REPETITIONS_H_
