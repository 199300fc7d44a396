// troupe's Savina programs (savina.h), one benchmark per run:
//
//   bazel run -c opt //benchmarks/savina:savina -- --benchmark=pingpong --reps=5
//
// Flags: flags.h. Prints one result line per timed repetition (repetitions.h), exits
// 1 if a result is wrong and 2 on a bad flag. run_savina.sh runs every benchmark
// beside its Go and CAF twins.
#include <cstdio>
#include <memory>

#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/savina/flags.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/scheduler/runtime.h"

int main(int argc, char** argv) {
  using troupe::savina::SavinaConfig;
  const SavinaConfig config = troupe::savina::ParseCommandLineOrExit("savina", argc, argv);
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime =
      troupe::Runtime::Create({.procs = config.procs});
  if (!runtime.ok()) {
    std::fprintf(stderr, "savina: %s\n", runtime.status().ToString().c_str());
    return 2;
  }
  troupe::ActorSystem system(**runtime);
  const troupe::savina::TroupeEnv env{system, config.bound};
  return troupe::savina::RunSelectedBenchmark(
      "savina", config, [&](const auto& params) { return RunBenchmark(env, params); });
}
