// ChallengeServer (see challenge_server.h): one fiber, troupe's TcpListener and
// BufferedReader, every wait under the stop context and a minute's timeout.
#include "troupe/tests/remote/challenge_server.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "troupe/net/buffered_reader.h"

namespace troupe::testing {
namespace {

constexpr absl::Duration kWait = absl::Minutes(1);
constexpr std::size_t kMaxLine = 64 * 1024;

// The size of the payload that follows a PUB or HPUB line (its last field: the
// payload's, or headers and payload together), or 0 for any other line.
std::size_t PayloadSize(const std::string& line) {
  if (!absl::StartsWith(line, "PUB ") && !absl::StartsWith(line, "HPUB ")) return 0;
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  std::size_t size = 0;
  return absl::SimpleAtoi(fields.back(), &size) ? size : 0;
}

}  // namespace

ChallengeServer::~ChallengeServer() {
  stop_.cancel.Cancel();  // ends the fiber's Accept or read
  if (serving_.joinable()) (void)serving_.Join();
}

absl::Status ChallengeServer::Start() {
  if (nonces_.empty()) return absl::InvalidArgumentError("nonces must not be empty");
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 1});
  if (!runtime.ok()) return runtime.status();
  runtime_ = *std::move(runtime);
  absl::StatusOr<std::unique_ptr<TcpListener>> listener = TcpListener::Listen("127.0.0.1", 0);
  if (!listener.ok()) return listener.status();
  listener_ = *std::move(listener);
  serving_ = runtime_->Spawn([this] { Serve(); });
  return absl::OkStatus();
}

ChallengeServer::Connects ChallengeServer::connects() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connects_;
}

void ChallengeServer::Serve() {
  for (std::size_t served = 0;; ++served) {
    auto [waiting, done] = WithTimeout(stop_.context, kWait);
    absl::StatusOr<std::unique_ptr<TcpConnection>> accepted = listener_->Accept(waiting);
    done.Cancel();
    if (!accepted.ok()) return;  // stopped, or nobody came
    ServeConnection(**accepted, nonces_[std::min(served, nonces_.size() - 1)]);
  }
}

void ChallengeServer::ServeConnection(TcpConnection& connection, const std::string& nonce) {
  connection.SetReadTimeout(kWait);
  connection.SetWriteTimeout(kWait);
  const Context& stop = stop_.context;
  const std::string info = absl::StrCat(
      "INFO {\"server_id\":\"challenge\",\"server_name\":\"challenge\",\"version\":\"2.9.10\","
      "\"proto\":1,\"host\":\"127.0.0.1\",\"port\":",
      listener_->port(),
      ",\"headers\":true,\"auth_required\":true,\"max_payload\":1048576,\"nonce\":\"", nonce,
      "\"}\r\n");
  if (!connection.Write(info, stop).ok()) return;
  BufferedReader reader(connection);
  absl::StatusOr<std::string> line = reader.ReadLine(kMaxLine, stop);
  if (!line.ok() || !absl::StartsWith(*line, "CONNECT ")) return;
  const bool signed_nonce = absl::StrContains(*line, "\"sig\":\"");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    (signed_nonce ? connects_.with_signature : connects_.without_signature).push_back(*line);
  }
  if (!signed_nonce) {
    (void)connection.Write("-ERR 'Authorization Violation'\r\n", stop);
    return;
  }
  // SUB and UNSUB need no answer, PUB and HPUB neither (their payload is skipped);
  // PING does.
  while ((line = reader.ReadLine(kMaxLine, stop)).ok()) {
    if (const std::size_t payload = PayloadSize(*line); payload != 0) {
      if (!reader.ReadFull(payload + 2, stop).ok()) return;  // the payload and its CRLF
    } else if (*line == "PING" && !connection.Write("PONG\r\n", stop).ok()) {
      return;
    }
  }
}

}  // namespace troupe::testing
