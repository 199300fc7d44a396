#include "troupe/benchmarks/savina/flags.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, benchmark, "",
          "pingpong, counting, fjcreate, fjthrput, threadring, chameneos or big");
ABSL_FLAG(int, procs, 2, "worker threads");
ABSL_FLAG(int, reps, 5, "timed repetitions (after one untimed warm-up)");
ABSL_FLAG(int64_t, bound_s, 300, "seconds after which an unfinished repetition is an error");

ABSL_FLAG(int64_t, pingpong_pings, troupe::savina::PingPongParams{}.pings, "pings");
ABSL_FLAG(int64_t, counting_messages, troupe::savina::CountingParams{}.messages,
          "increments sent to the counter");
ABSL_FLAG(int64_t, fjcreate_actors, troupe::savina::ForkJoinCreateParams{}.actors,
          "actors created");
ABSL_FLAG(int64_t, fjthrput_actors, troupe::savina::ForkJoinThroughputParams{}.actors,
          "actors");
ABSL_FLAG(int64_t, fjthrput_messages, troupe::savina::ForkJoinThroughputParams{}.messages,
          "messages per actor");
ABSL_FLAG(int64_t, threadring_actors, troupe::savina::ThreadRingParams{}.actors,
          "actors in the ring");
ABSL_FLAG(int64_t, threadring_hops, troupe::savina::ThreadRingParams{}.hops,
          "times the token is passed on");
ABSL_FLAG(int64_t, chameneos_creatures, troupe::savina::ChameneosParams{}.creatures,
          "chameneos");
ABSL_FLAG(int64_t, chameneos_meetings, troupe::savina::ChameneosParams{}.meetings,
          "meetings at the mall");
ABSL_FLAG(int64_t, big_actors, troupe::savina::BigParams{}.actors, "actors");
ABSL_FLAG(int64_t, big_pings, troupe::savina::BigParams{}.pings, "pings sent per actor");

namespace troupe::savina {
namespace {

// The selected benchmark's parameters from their flags, or InvalidArgument.
absl::StatusOr<AnyParams> ParamsFromFlags(const std::string& benchmark) {
  if (benchmark == "pingpong") return PingPongParams{absl::GetFlag(FLAGS_pingpong_pings)};
  if (benchmark == "counting") return CountingParams{absl::GetFlag(FLAGS_counting_messages)};
  if (benchmark == "fjcreate") {
    return ForkJoinCreateParams{absl::GetFlag(FLAGS_fjcreate_actors)};
  }
  if (benchmark == "fjthrput") {
    return ForkJoinThroughputParams{absl::GetFlag(FLAGS_fjthrput_actors),
                                    absl::GetFlag(FLAGS_fjthrput_messages)};
  }
  if (benchmark == "threadring") {
    return ThreadRingParams{absl::GetFlag(FLAGS_threadring_actors),
                            absl::GetFlag(FLAGS_threadring_hops)};
  }
  if (benchmark == "chameneos") {
    return ChameneosParams{absl::GetFlag(FLAGS_chameneos_creatures),
                           absl::GetFlag(FLAGS_chameneos_meetings)};
  }
  if (benchmark == "big") {
    return BigParams{absl::GetFlag(FLAGS_big_actors), absl::GetFlag(FLAGS_big_pings)};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--benchmark must be one of pingpong, counting, fjcreate, fjthrput, "
                   "threadring, chameneos, big; got \"", benchmark, "\""));
}

}  // namespace

absl::StatusOr<SavinaConfig> ConfigFromFlags() {
  absl::StatusOr<AnyParams> params = ParamsFromFlags(absl::GetFlag(FLAGS_benchmark));
  if (!params.ok()) return params.status();
  if (absl::Status valid = std::visit([](const auto& p) { return Validate(p); }, *params);
      !valid.ok()) {
    return valid;
  }
  SavinaConfig config{*params};
  config.procs = absl::GetFlag(FLAGS_procs);
  config.reps = absl::GetFlag(FLAGS_reps);
  if (config.procs < 1 || config.procs > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--procs must be in [1, 1024]; got ", config.procs));
  }
  if (config.reps < 1 || config.reps > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--reps must be in [1, 1000]; got ", config.reps));
  }
  const int64_t bound_s = absl::GetFlag(FLAGS_bound_s);
  if (bound_s < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--bound_s must be >= 1; got ", bound_s));
  }
  config.bound = absl::Seconds(bound_s);
  return config;
}

SavinaConfig ParseCommandLineOrExit(const char* program, int argc, char** argv) {
  absl::SetProgramUsageMessage(
      absl::StrCat(program, " --benchmark=NAME [--procs=N] [--reps=N] [--<benchmark>_<param>=N]"));
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<SavinaConfig> config = ConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", program, std::string(config.status().message()).c_str());
    std::exit(2);
  }
  return *std::move(config);
}

}  // namespace troupe::savina
