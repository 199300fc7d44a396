// The chat service (chat_server.h):
//
//   bazel run -c opt //services/chat:chat_server -- --port=7070
//   nc localhost 7070      then: NICK ada / JOIN lobby / SAY hello
//
// SIGINT or SIGTERM starts the coordinated shutdown: no new connections, every client
// told, the actors stopped (each session writes what it has queued), within --grace.
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/signal.h"
#include "troupe/services/chat/chat_server.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "address to listen on");
ABSL_FLAG(int, port, 7070, "TCP port (0: any free port)");
ABSL_FLAG(int, procs, 0, "processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, moderators, 4, "moderator actors behind the router");
ABSL_FLAG(absl::Duration, announce_every, absl::Seconds(30), "how often rooms announce their size");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(10), "time to finish at shutdown");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto runtime = troupe::Runtime::Create({.procs = absl::GetFlag(FLAGS_procs)});
  if (!runtime.ok()) {
    std::fprintf(stderr, "chat_server: %s\n", runtime.status().ToString().c_str());
    return 2;
  }
  troupe::services::chat::ChatOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_port));
  options.moderators = absl::GetFlag(FLAGS_moderators);
  options.announce_every = absl::GetFlag(FLAGS_announce_every);
  int exit_code = 0;
  const absl::Status ran = (*runtime)->Run([&] {
    troupe::SignalContext signals = troupe::NotifyContext(troupe::Context(), {SIGINT, SIGTERM});
    auto server = troupe::services::chat::ChatServer::Start(**runtime, options);
    if (!server.ok()) {
      std::fprintf(stderr, "chat_server: %s\n", server.status().ToString().c_str());
      exit_code = 2;
      return;
    }
    std::fprintf(stderr, "chat_server: listening on %s:%d\n", options.host.c_str(),
                 (*server)->port());
    const absl::Status why = signals.context.Wait();
    signals.stop.Stop();
    std::fprintf(stderr, "chat_server: %s, shutting down\n", std::string(why.message()).c_str());
    const absl::Status stopped = (*server)->Shutdown(absl::GetFlag(FLAGS_grace));
    std::fprintf(stderr, "chat_server: %s\n",
                 stopped.ok() ? "stopped cleanly" : stopped.ToString().c_str());
  });
  if (!ran.ok()) {
    std::fprintf(stderr, "chat_server: %s\n", ran.ToString().c_str());
    return 1;
  }
  return exit_code;
}
