#include "troupe/profiling/debug_handler.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/profiling/fiber_profile.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/fiber_info.h"

namespace troupe::profiling {

namespace {

constexpr int kDefaultSeconds = 30;
constexpr int kMaxSeconds = 300;
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

DebugResponse ServeFiberProfile(Runtime& runtime, absl::string_view query) {
  if (QueryParameter(query, "debug", "0") != "0") {
    return Text(200, FormatFiberDump(runtime.DumpFibers()));
  }
  return Encoded(FiberProfile(runtime));
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
          "</ul></body></html>\n"};
}

}  // namespace

bool IsDebugPprofPath(absl::string_view path) {
  return path == kDebugPprofPrefix || absl::StartsWith(path, absl::StrCat(kDebugPprofPrefix, "/"));
}

DebugResponse ServeDebugPprof(Runtime& runtime, absl::string_view target, const Context& context) {
  absl::string_view path = target;
  absl::string_view query;
  if (const std::size_t mark = target.find('?'); mark != absl::string_view::npos) {
    path = target.substr(0, mark);
    query = target.substr(mark + 1);
  }
  if (!IsDebugPprofPath(path)) return Text(404, "not a /debug/pprof/ path\n");
  absl::string_view name = path.substr(kDebugPprofPrefix.size());
  absl::ConsumePrefix(&name, "/");
  if (name.empty()) return Index();
  if (name == "profile") return ServeCpuProfile(query, context);
  if (name == "fiber" || name == "goroutine") return ServeFiberProfile(runtime, query);
  return Text(404, absl::StrCat("unknown profile \"", name,
                                "\"; available: profile, fiber, goroutine\n"));
}

}  // namespace troupe::profiling
