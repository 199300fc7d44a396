// The example service:
//
//   bazel run -c opt //services:http_server -- --port=8080
//   curl localhost:8080/hello; curl -X PUT --data v localhost:8080/kv/k; curl localhost:8080/metrics
//
// SIGTERM (or SIGINT) shuts it down gracefully, as Go's Server.Shutdown does: it
// stops accepting, closes idle keep-alive connections, lets every request that has
// begun to arrive complete (its response written) within --grace, then cuts off
// what is left and exits 0.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "troupe/profiling/block_profile.h"
#include "troupe/profiling/mutex_profile.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/signal.h"
#include "troupe/services/http_server.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "address to listen on (IPv4, IPv6, or a name)");
ABSL_FLAG(int, port, 8080, "TCP port (0: any free port)");
ABSL_FLAG(int, procs, 0, "processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, kv_shards, 4, "actors holding the key-value store");
ABSL_FLAG(int, max_connections, 10000, "connections served at once; more get 503");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(30),
          "close a connection that sends nothing of a next request for this long");
ABSL_FLAG(absl::Duration, header_timeout, absl::ZeroDuration(),
          "a request's head must arrive within this of its first byte, else 408 (0: idle_timeout)");
ABSL_FLAG(absl::Duration, body_timeout, absl::ZeroDuration(),
          "a request's body must arrive within this of its head, else 408 (0: idle_timeout)");
ABSL_FLAG(absl::Duration, write_timeout, absl::ZeroDuration(),
          "close a connection whose client does not take a response within this of the "
          "socket filling up (0: idle_timeout)");
ABSL_FLAG(int64_t, max_header_bytes, 8 * 1024, "bytes of a request head; more get 431");
ABSL_FLAG(int64_t, max_body_bytes, 1024 * 1024, "bytes of a request body; more get 413");
ABSL_FLAG(int64_t, body_budget_bytes, int64_t{64} << 20,
          "request body bytes held at once over all connections; beyond it requests get 503");
ABSL_FLAG(int64_t, kv_max_bytes, int64_t{256} << 20,
          "size limit of the key-value store (keys + values + 64 bytes per entry); PUTs "
          "beyond it get 507");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(10), "time for requests in flight at shutdown");
ABSL_FLAG(int64_t, block_profile_rate, 0,
          "record waits for /debug/pprof/block at this rate in nanoseconds (0: off)");
ABSL_FLAG(int, mutex_profile_fraction, 0,
          "record one Mutex contention in this many for /debug/pprof/mutex (0: off)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  for (const absl::Status& set :
       {troupe::profiling::SetBlockProfileRate(absl::GetFlag(FLAGS_block_profile_rate)),
        troupe::profiling::SetMutexProfileFraction(absl::GetFlag(FLAGS_mutex_profile_fraction))}) {
    if (!set.ok()) {
      std::fprintf(stderr, "http_server: %s\n", set.ToString().c_str());
      return 2;
    }
  }
  auto runtime = troupe::Runtime::Create({.procs = absl::GetFlag(FLAGS_procs)});
  if (!runtime.ok()) {
    std::fprintf(stderr, "http_server: %s\n", runtime.status().ToString().c_str());
    return 2;
  }
  troupe::services::HttpServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_port));
  options.kv_shards = absl::GetFlag(FLAGS_kv_shards);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.header_timeout = absl::GetFlag(FLAGS_header_timeout);
  options.body_timeout = absl::GetFlag(FLAGS_body_timeout);
  options.write_timeout = absl::GetFlag(FLAGS_write_timeout);
  for (const auto& [name, value] :
       {std::make_pair("max_header_bytes", absl::GetFlag(FLAGS_max_header_bytes)),
        std::make_pair("max_body_bytes", absl::GetFlag(FLAGS_max_body_bytes)),
        std::make_pair("body_budget_bytes", absl::GetFlag(FLAGS_body_budget_bytes)),
        std::make_pair("kv_max_bytes", absl::GetFlag(FLAGS_kv_max_bytes))}) {
    if (value < 1) {
      std::fprintf(stderr, "http_server: --%s must be >= 1; got %lld\n", name,
                   static_cast<long long>(value));
      return 2;
    }
  }
  options.limits.max_header_bytes = static_cast<std::size_t>(absl::GetFlag(FLAGS_max_header_bytes));
  options.limits.max_body_bytes = static_cast<std::size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  options.body_budget_bytes = static_cast<std::size_t>(absl::GetFlag(FLAGS_body_budget_bytes));
  options.kv_max_bytes = static_cast<std::size_t>(absl::GetFlag(FLAGS_kv_max_bytes));

  int exit_code = 0;
  // The main fiber serves until SIGINT or SIGTERM, as a Go main waits on
  // signal.NotifyContext's context.
  const absl::Status ran = (*runtime)->Run([&] {
    troupe::SignalContext signals = troupe::NotifyContext(troupe::Context(), {SIGINT, SIGTERM});
    auto server = troupe::services::HttpServer::Start(**runtime, options);
    if (!server.ok()) {
      std::fprintf(stderr, "http_server: %s\n", server.status().ToString().c_str());
      exit_code = 2;
      return;
    }
    std::fprintf(stderr, "http_server: listening on %s:%d\n", options.host.c_str(),
                 (*server)->port());
    const absl::Status why = signals.context.Wait();
    signals.stop.Stop();  // a second signal now acts as it did before: Ctrl-C twice kills
    std::fprintf(stderr, "http_server: %s, shutting down (grace %s)\n",
                 std::string(why.message()).c_str(),
                 absl::FormatDuration(absl::GetFlag(FLAGS_grace)).c_str());
    // Cutting off what the grace period did not finish is part of a graceful
    // shutdown, not a failure: exit 0 either way.
    const absl::Status drained = (*server)->Shutdown(absl::GetFlag(FLAGS_grace));
    std::fprintf(stderr, "http_server: %s\n",
                 drained.ok() ? "every request finished" : drained.ToString().c_str());
  });
  if (!ran.ok()) {
    std::fprintf(stderr, "http_server: %s\n", ran.ToString().c_str());
    return 1;
  }
  return exit_code;
}
