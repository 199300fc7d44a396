#include "troupe/profiling/debug_handler.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "troupe/profiling/block_profile.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/profiling/fiber_profile.h"
#include "troupe/profiling/internal/symbolizer.h"
#include "troupe/profiling/mutex_profile.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/tracing/trace_events.h"
#include "troupe/tracing/trace_recording.h"

namespace troupe::profiling {

namespace {

constexpr int kDefaultSeconds = 30;
constexpr int kMaxSeconds = 300;
// A trace keeps every slice in memory: shorter than a profile (Go's default is 1 s).
constexpr int kDefaultTraceSeconds = 1;
constexpr int kMaxTraceSeconds = 60;
constexpr absl::string_view kTextType = "text/plain; charset=utf-8";
constexpr absl::string_view kProfileType = "application/octet-stream";

DebugResponse Text(int status, std::string body) {
  return {status, std::string(kTextType), std::move(body)};
}

// The value of `name` in the query string, or `missing`.
absl::string_view QueryParameter(absl::string_view query, absl::string_view name,
                                 absl::string_view missing) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    std::vector<absl::string_view> parts = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (parts.size() == 2 && parts[0] == name) return parts[1];
  }
  return missing;
}

// `name` as an integer in [low, high]; false with a message in `error` otherwise.
bool IntParameter(absl::string_view query, absl::string_view name, int fallback, int low, int high,
                  int* value, std::string* error) {
  const absl::string_view text = QueryParameter(query, name, "");
  *value = fallback;
  if (text.empty()) return true;
  if (!absl::SimpleAtoi(text, value) || *value < low || *value > high) {
    *error = absl::StrCat(name, " must be an integer in [", low, ", ", high, "]; got \"", text,
                          "\"\n");
    return false;
  }
  return true;
}

DebugResponse Encoded(const Profile& profile) {
  absl::StatusOr<std::string> encoded = EncodePprof(profile);
  if (!encoded.ok()) return Text(500, absl::StrCat(encoded.status().message(), "\n"));
  return {200, std::string(kProfileType), *std::move(encoded)};
}

DebugResponse ServeCpuProfile(absl::string_view query, const Context& context) {
  int seconds = 0;
  int hz = 0;
  std::string error;
  if (!IntParameter(query, "seconds", kDefaultSeconds, 1, kMaxSeconds, &seconds, &error) ||
      !IntParameter(query, "hz", CpuProfileOptions::kDefaultHz, 1, CpuProfileOptions::kMaxHz, &hz,
                    &error)) {
    return Text(400, error);
  }
  absl::StatusOr<Profile> profile = ProfileCpuFor(absl::Seconds(seconds), {hz}, context);
  if (!profile.ok()) {
    const bool busy = profile.status().code() == absl::StatusCode::kFailedPrecondition;
    return Text(busy ? 409 : 503,
                absl::StrCat("could not take a CPU profile: ", profile.status().message(), "\n"));
  }
  return Encoded(*profile);
}

// Go's text form of a contention profile (?debug=1): a header, then per sample
// "<delay ns> <count> @ <addresses>" and one "#" line per frame and for the labels.
std::string ContentionText(const Profile& profile, absl::string_view kind,
                           int64_t sampling_period) {
  std::string text = absl::StrCat("--- ", kind, ":\ncycles/second=1000000000\nsampling period=",
                                  sampling_period, "\n");
  profiling_internal::Symbolizer symbolizer;
  for (const ProfileSample& sample : profile.samples) {
    absl::StrAppend(&text, sample.values[1], " ", sample.values[0], " @");
    for (uint64_t address : sample.stack) absl::StrAppend(&text, " 0x", absl::Hex(address));
    absl::StrAppend(&text, "\n");
    for (uint64_t address : sample.stack) {
      absl::StrAppend(&text, "#\t0x", absl::Hex(address), "\t", symbolizer.FunctionName(address),
                      "\n");
    }
    if (!sample.labels.empty()) {
      absl::StrAppend(&text, "#\tlabels:");
      for (const auto& [key, value] : sample.labels) absl::StrAppend(&text, " ", key, "=", value);
      absl::StrAppend(&text, "\n");
    }
    absl::StrAppend(&text, "\n");
  }
  return text;
}

// /debug/pprof/block and /debug/pprof/mutex: what was recorded so far, or over
// `seconds` (then parks the calling fiber meanwhile).
template <typename ProfileSoFar, typename ProfileFor>
DebugResponse ServeContentionProfile(absl::string_view query, const Context& context,
                                     absl::string_view kind, int64_t sampling_period,
                                     ProfileSoFar&& so_far, ProfileFor&& profile_for) {
  int seconds = 0;
  std::string error;
  if (!IntParameter(query, "seconds", 0, 0, kMaxSeconds, &seconds, &error)) {
    return Text(400, error);
  }
  absl::StatusOr<Profile> profile =
      seconds > 0 ? profile_for(absl::Seconds(seconds), context) : absl::StatusOr<Profile>(so_far());
  if (!profile.ok()) {
    const bool off = profile.status().code() == absl::StatusCode::kFailedPrecondition;
    return Text(off ? 400 : 503, absl::StrCat("could not take a ", kind, " profile: ",
                                              profile.status().message(), "\n"));
  }
  if (QueryParameter(query, "debug", "0") != "0") {
    return Text(200, ContentionText(*profile, kind == "block" ? "contention" : kind,
                                    sampling_period));
  }
  return Encoded(*profile);
}

// /debug/troupe/fibers, and /debug/pprof/fiber?debug=1 (Go's text form): the fiber
// dump, as the SIGQUIT handler logs it.
DebugResponse ServeFiberDump(Runtime& runtime) {
  const std::vector<FiberInfo> fibers = runtime.DumpFibers();
  return Text(200, absl::StrCat(runtime.procs(), " processors, ", fibers.size(), " fibers:\n",
                                FormatFiberDump(fibers)));
}

DebugResponse ServeFiberProfile(Runtime& runtime, absl::string_view query) {
  if (QueryParameter(query, "debug", "0") != "0") return ServeFiberDump(runtime);
  return Encoded(FiberProfile(runtime));
}

// /debug/troupe/trace: the scheduling trace and the spans over `seconds` as
// trace-event JSON.
DebugResponse ServeTrace(Runtime& runtime, absl::string_view query, const Context& context) {
  int seconds = 0;
  std::string error;
  if (!IntParameter(query, "seconds", kDefaultTraceSeconds, 1, kMaxTraceSeconds, &seconds,
                    &error)) {
    return Text(400, error);
  }
  absl::StatusOr<tracing::TraceProcess> recorded = tracing::RecordTrace(
      runtime, absl::StrCat("troupe (pid ", getpid(), ")"), absl::Seconds(seconds), context);
  if (!recorded.ok()) {
    const bool busy = recorded.status().code() == absl::StatusCode::kFailedPrecondition;
    return Text(busy ? 409 : 503,
                absl::StrCat("could not record a trace: ", recorded.status().message(), "\n"));
  }
  return {200, "application/json", tracing::TraceEventJson({*std::move(recorded)})};
}

DebugResponse Index() {
  return {200, "text/html; charset=utf-8",
          "<html><head><title>/debug/pprof/</title></head><body>\n"
          "<h1>/debug/pprof/</h1>\n"
          "<p>Profiles of this troupe process, in pprof's format: "
          "<code>go tool pprof http://HOST/debug/pprof/NAME</code></p>\n<ul>\n"
          "<li><a href=\"profile?seconds=30\">profile</a>: CPU profile (seconds=N, hz=N); "
          "samples carry the fiber's labels (actor, stage, fiber)</li>\n"
          "<li><a href=\"fiber\">fiber</a> (also <a href=\"goroutine\">goroutine</a>): "
          "every fiber's stack, state and wait reason; "
          "<a href=\"fiber?debug=1\">as text</a></li>\n"
          "<li><a href=\"block\">block</a>: where fibers waited on channels, select, mutexes, "
          "condition variables, semaphores, wait groups, joins and bounded mailboxes, and for "
          "how long (seconds=N for an interval; <a href=\"block?debug=1\">as text</a>); off "
          "unless the program set a rate (SetBlockProfileRate)</li>\n"
          "<li><a href=\"mutex\">mutex</a>: Mutex contention at the holders' stacks "
          "(seconds=N; <a href=\"mutex?debug=1\">as text</a>); off unless the program set a "
          "fraction (SetMutexProfileFraction)</li>\n"
          "</ul>\n<h2>/debug/troupe/</h2>\n<ul>\n"
          "<li><a href=\"/debug/troupe/trace?seconds=1\">trace</a>: the scheduling trace "
          "(seconds=N, [1, 60]) as Chrome trace-event JSON for ui.perfetto.dev or "
          "chrome://tracing: which fiber ran on which thread, fibers and actors by name, and the "
          "spans that ended meanwhile on their fibers' tracks</li>\n"
          "<li><a href=\"/debug/troupe/fibers\">fibers</a>: the fiber dump as text, each fiber "
          "with its name, state and wait reason</li>\n"
          "</ul></body></html>\n"};
}

}  // namespace

bool IsDebugPath(absl::string_view path) {
  for (absl::string_view prefix : {kDebugPprofPrefix, kDebugTroupePrefix}) {
    if (absl::ConsumePrefix(&path, prefix)) return path.empty() || path[0] == '/';
  }
  return false;
}

DebugResponse ServeDebug(Runtime& runtime, absl::string_view target, const Context& context) {
  absl::string_view path = target;
  absl::string_view query;
  if (const std::size_t mark = target.find('?'); mark != absl::string_view::npos) {
    path = target.substr(0, mark);
    query = target.substr(mark + 1);
  }
  if (!IsDebugPath(path)) return Text(404, "not a /debug/pprof/ or /debug/troupe/ path\n");
  absl::string_view name = path;
  if (absl::ConsumePrefix(&name, kDebugTroupePrefix)) {
    absl::ConsumePrefix(&name, "/");
    if (name == "trace") return ServeTrace(runtime, query, context);
    if (name == "fibers") return ServeFiberDump(runtime);
    return Text(404, absl::StrCat("unknown debug page \"", name, "\"; available: trace, fibers\n"));
  }
  absl::ConsumePrefix(&name, kDebugPprofPrefix);
  absl::ConsumePrefix(&name, "/");
  if (name.empty()) return Index();
  if (name == "profile") return ServeCpuProfile(query, context);
  if (name == "fiber" || name == "goroutine") return ServeFiberProfile(runtime, query);
  if (name == "block") {
    return ServeContentionProfile(query, context, name, BlockProfileRate(), &BlockProfile,
                                  &ProfileBlockingFor);
  }
  if (name == "mutex") {
    return ServeContentionProfile(query, context, name, MutexProfileFraction(), &MutexProfile,
                                  &ProfileMutexFor);
  }
  return Text(404, absl::StrCat("unknown profile \"", name,
                                "\"; available: profile, fiber, goroutine, block, mutex\n"));
}

}  // namespace troupe::profiling
