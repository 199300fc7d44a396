// The debug handler: Go's /debug/pprof/ endpoints for a troupe runtime, and troupe's
// own /debug/troupe/ ones, for any HTTP server to mount (services/http_server.cc
// does), so that
//
//   go tool pprof -top http://127.0.0.1:PORT/debug/pprof/profile?seconds=5
//   go tool pprof -tagfocus actor=parser http://127.0.0.1:PORT/debug/pprof/profile
//   go tool pprof -traces http://127.0.0.1:PORT/debug/pprof/fiber
//
// work as they do against a Go server. Paths:
//   /debug/pprof/                   an HTML index of the profiles
//   /debug/pprof/profile?seconds=N  CPU profile over N seconds (default 30, [1, 300];
//                                   `hz` sets the sampling rate, default 100)
//   /debug/pprof/fiber              fiber profile (fiber_profile.h); ?debug=1: the
//                                   fiber dump as text
//   /debug/pprof/goroutine          the same, under Go's name
//   /debug/pprof/block              block profile (block_profile.h) so far, or over
//                                   ?seconds=N; ?debug=1: Go's text form
//   /debug/pprof/mutex              mutex profile (mutex_profile.h), likewise
//   /debug/troupe/trace?seconds=N   the scheduling trace and the spans that ended
//                                   over N seconds (default 1, [1, 60]) as
//                                   Chrome/Perfetto trace-event JSON
//                                   (tracing/trace_events.h): which fiber ran on
//                                   which thread, fibers and actors by name, spans
//                                   on their fibers' tracks; one at a time
//   /debug/troupe/fibers            the fiber dump as text, as SIGQUIT logs it
// The block and mutex profiles are empty unless the program turned them on
// (SetBlockProfileRate, SetMutexProfileFraction), as in Go.
// The handler is transport-agnostic: it takes the request target and returns the
// status, content type and body.
#ifndef TROUPE_PROFILING_DEBUG_HANDLER_H_
#define TROUPE_PROFILING_DEBUG_HANDLER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::profiling {

inline constexpr absl::string_view kDebugPprofPrefix = "/debug/pprof";
inline constexpr absl::string_view kDebugTroupePrefix = "/debug/troupe";

struct DebugResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

// True for paths this handler serves: under either prefix (the prefix itself, or
// the prefix and "/" and what follows).
bool IsDebugPath(absl::string_view path);

// Fiber context. `target` is the request target ("/debug/pprof/profile?seconds=5").
// A CPU profile or a trace parks the calling fiber for its duration and ends early,
// with 503, when `context` is done (server shutdown); 409 when another CPU profile
// (or trace) is running; 400 for a bad parameter (saying what is allowed) or for an
// interval of a block or mutex profile that is off; 404 for an unknown path.
DebugResponse ServeDebug(Runtime& runtime, absl::string_view target, const Context& context);

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_DEBUG_HANDLER_H_
