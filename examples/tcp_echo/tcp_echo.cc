// tcp_echo: a TCP echo server and three clients in one program.
//
// Every connection is a fiber: the server's accept loop spawns one per client, and
// each client is a fiber too. A fiber whose socket is not ready parks, and the
// scheduler runs others meanwhile; no thread blocks in read, write or accept. When
// the clients are done the main fiber closes the listener, which makes the parked
// Accept fail with FailedPrecondition and ends the accept loop.
//
//   bazel run //examples/tcp_echo
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/runtime.h"

namespace {

constexpr int kClients = 3;
constexpr int kLinesPerClient = 3;

// Sends back whatever arrives until the client closes the connection.
void Echo(std::unique_ptr<troupe::TcpConnection> connection) {
  // A client that sends nothing for 10 s is cut off (Read: DeadlineExceeded).
  connection->SetReadTimeout(absl::Seconds(10));
  char buffer[4096];
  for (;;) {
    absl::StatusOr<std::size_t> n = connection->Read(buffer, sizeof buffer);
    if (!n.ok()) break;  // OutOfRange: the client closed; anything else: an error
    if (!connection->Write(absl::string_view(buffer, *n)).ok()) break;
  }
  connection->Close();
}

// Accepts until the listener is closed, one fiber per connection; then waits for
// those fibers.
void AcceptLoop(troupe::TcpListener& listener) {
  std::vector<troupe::JoinHandle> connections;
  for (;;) {
    absl::StatusOr<std::unique_ptr<troupe::TcpConnection>> connection = listener.Accept();
    if (!connection.ok()) break;  // FailedPrecondition once the listener is closed
    connections.push_back(troupe::Spawn(
        [connection = *std::move(connection)]() mutable { Echo(std::move(connection)); }));
  }
  for (troupe::JoinHandle& connection : connections) (void)connection.Join();
}

// Sends each line and reads until its echo is complete; true if every echo matched.
bool RunClient(uint16_t port, int client) {
  absl::StatusOr<std::unique_ptr<troupe::TcpConnection>> connection =
      troupe::Dial("127.0.0.1", port);
  if (!connection.ok()) {
    std::fprintf(stderr, "client %d: %s\n", client, connection.status().ToString().c_str());
    return false;
  }
  bool matched = true;
  for (int i = 0; i < kLinesPerClient && matched; ++i) {
    const std::string line =
        "client " + std::to_string(client) + " line " + std::to_string(i) + "\n";
    if (!(*connection)->Write(line).ok()) return false;
    std::string echoed;
    while (echoed.size() < line.size()) {  // TCP is a byte stream: echoes may split
      char buffer[256];
      absl::StatusOr<std::size_t> n = (*connection)->Read(buffer, sizeof buffer);
      if (!n.ok()) return false;
      echoed.append(buffer, *n);
    }
    matched = echoed == line;
  }
  (*connection)->Close();
  return matched;
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

  std::atomic<int> clients_matched{0};  // relaxed: read after joining the clients
  absl::Status status = (*runtime)->Run([&] {
    // Port 0: any free port; listener->port() says which.
    absl::StatusOr<std::unique_ptr<troupe::TcpListener>> listener =
        troupe::TcpListener::Listen("127.0.0.1", 0);
    if (!listener.ok()) {
      std::fprintf(stderr, "listen: %s\n", listener.status().ToString().c_str());
      return;
    }
    troupe::JoinHandle server = troupe::Spawn([&] { AcceptLoop(**listener); });

    std::vector<troupe::JoinHandle> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.push_back(troupe::Spawn([&, c] {
        if (RunClient((*listener)->port(), c)) {
          clients_matched.fetch_add(1, std::memory_order_relaxed);
        }
      }));
    }
    for (troupe::JoinHandle& client : clients) (void)client.Join();

    (*listener)->Close();  // the accept loop ends, after its connections
    (void)server.Join();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  const int matched = clients_matched.load(std::memory_order_relaxed);
  std::printf("%d of %d clients got every line echoed back\n", matched, kClients);
  return matched == kClients ? 0 : 1;
}
