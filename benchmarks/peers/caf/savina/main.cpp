// The CAF 0.17 twin of troupe's Savina programs (benchmarks/savina/savina_main.cc):
// the same flags (benchmarks/savina/flags.h), the same result lines.
//
//   bazel build -c opt //benchmarks/peers/caf:savina_caf
//   bazel-bin/benchmarks/peers/caf/savina_caf --benchmark=pingpong --reps=5
//
// --procs sets CAF's scheduler.max-threads.
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/flags.h"
#include "troupe/benchmarks/savina/repetitions.h"

int main(int argc, char** argv) {
  const troupe::savina::SavinaConfig config =
      troupe::savina::ParseCommandLineOrExit("savina_caf", argc, argv);
  caf::actor_system_config caf_config;
  caf_config.set("scheduler.max-threads", static_cast<size_t>(config.procs));
  caf::actor_system system{caf_config};
  const troupe::savina::CafEnv env{system, config.bound};
  return troupe::savina::RunSelectedBenchmark(
      "savina_caf", config, [&](const auto& params) { return RunBenchmark(env, params); });
}
