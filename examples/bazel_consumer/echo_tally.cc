// A program built outside troupe's workspace: an echo server and its client over
// troupe's TCP, lines fed to the client through a channel, and an actor tallying
// the bytes the server echoed, asked for the total at the end.
//
// It includes the consumer's own "net/tcp.h" and troupe's "troupe/net/tcp.h" side
// by side: both are used below, so the build fails if either shadows the other.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "net/tcp.h"  // the consumer's own
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/net/tcp.h"  // troupe's
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"

namespace {

struct Count {
  int64_t bytes;
};
struct Total {
  troupe::Reply<int64_t> reply;
};
using TallyMessage = std::variant<Count, Total>;

// Counts the bytes the server echoed; only its own fiber touches `bytes_`.
class Tally : public troupe::Actor<TallyMessage> {
 public:
  void Receive(TallyMessage& message) override {
    std::visit(troupe::Overloaded{[&](Count& count) { bytes_ += count.bytes; },
                                  [&](Total& total) { total.reply.Send(bytes_); }},
               message);
  }

 private:
  int64_t bytes_ = 0;
};

// Echoes one connection until the client closes it, telling `tally` each chunk's size.
absl::Status ServeOne(troupe::TcpListener& listener, const troupe::ActorRef<TallyMessage>& tally) {
  absl::StatusOr<std::unique_ptr<troupe::TcpConnection>> connection = listener.Accept();
  if (!connection.ok()) return connection.status();
  char buffer[256];
  for (;;) {
    absl::StatusOr<std::size_t> n = (*connection)->Read(buffer, sizeof buffer);
    if (absl::IsOutOfRange(n.status())) return absl::OkStatus();  // the client closed
    if (!n.ok()) return n.status();
    if (absl::Status told = tally.Tell(Count{static_cast<int64_t>(*n)}); !told.ok()) return told;
    if (absl::Status written = (*connection)->Write(absl::string_view(buffer, *n));
        !written.ok()) {
      return written;
    }
  }
}

// Sends each line from `lines` and waits for it to come back; returns the bytes sent.
absl::StatusOr<int64_t> RunClient(uint16_t port, troupe::Channel<std::string>& lines) {
  absl::StatusOr<std::unique_ptr<troupe::TcpConnection>> connection =
      troupe::Dial("127.0.0.1", port);
  if (!connection.ok()) return connection.status();
  int64_t sent = 0;
  std::string pending;
  while (std::optional<std::string> line = lines.Recv()) {
    const std::string wire = consumer_net::EncodeLines({*line});
    if (absl::Status s = (*connection)->Write(wire); !s.ok()) return s;
    sent += static_cast<int64_t>(wire.size());
    std::vector<std::string> echoed;
    while (echoed.empty()) {
      char buffer[256];
      absl::StatusOr<std::size_t> n = (*connection)->Read(buffer, sizeof buffer);
      if (!n.ok()) return n.status();
      echoed = consumer_net::DecodeLines(std::string(buffer, *n), pending);
    }
    if (echoed.size() != 1 || echoed[0] != *line) {
      return absl::DataLossError("the echo of \"" + *line + "\" differs");
    }
  }
  (*connection)->Close();
  return sent;
}

}  // namespace

int main() {
  troupe::RuntimeOptions options;
  options.procs = 2;
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }
  troupe::ActorSystem system(**runtime);  // outlives Run: destroyed on this thread
  troupe::ActorOptions tally_options;
  tally_options.name = "tally";
  troupe::ActorRef<TallyMessage> tally = system.Spawn<Tally>(tally_options);

  absl::Status result = (*runtime)->Run([&] {
    absl::StatusOr<std::unique_ptr<troupe::TcpListener>> listener =
        troupe::TcpListener::Listen("127.0.0.1", 0);
    if (!listener.ok()) throw std::runtime_error(listener.status().ToString());
    absl::Status served;
    troupe::JoinHandle server = troupe::Spawn([&] { served = ServeOne(**listener, tally); });

    troupe::Channel<std::string> lines(2);  // the producer waits while 2 are unsent
    troupe::JoinHandle producer = troupe::Spawn([&] {
      for (const char* line : {"one", "two", "three", "four", "five"}) (void)lines.Send(line);
      (void)lines.Close();
    });

    absl::StatusOr<int64_t> sent = RunClient((*listener)->port(), lines);
    // Had the client failed, these release the fibers that would wait for it.
    (void)lines.Close();
    (*listener)->Close();
    (void)producer.Join();
    (void)server.Join();  // every Count has been told once the server has returned
    if (!sent.ok()) throw std::runtime_error("client: " + sent.status().ToString());
    if (!served.ok()) throw std::runtime_error("server: " + served.ToString());

    absl::StatusOr<int64_t> tallied = troupe::Ask<int64_t>(
        tally, [](troupe::Reply<int64_t> reply) { return Total{std::move(reply)}; },
        absl::Seconds(10));
    if (!tallied.ok()) throw std::runtime_error("ask: " + tallied.status().ToString());
    std::printf("echoed 5 lines, %lld bytes; the tally actor counted %lld bytes\n",
                static_cast<long long>(*sent), static_cast<long long>(*tallied));
    if (*tallied != *sent) throw std::runtime_error("the tally disagrees");
  });
  if (!result.ok()) {
    std::fprintf(stderr, "echo_tally failed: %s\n", result.ToString().c_str());
    return 1;
  }
  return 0;
}
