// ChallengeServer: a stand-in for nats-server that challenges each connection with
// a nonce of the test's choosing, for what a real server cannot be made to do —
// hand out a given nonce.
//
// It listens on a free loopback port (troupe's TcpListener, served by a fiber on a
// runtime of its own) and serves one connection at a time, in order: the i-th gets
// an INFO asking for authentication with nonces[i] (the last nonce once they run
// out). A CONNECT that carries a signature ("sig") is accepted — the signature is
// not checked; whether the client sent one is what is observed — and the connection
// then answers each PING with PONG (skipping PUB and HPUB payloads) until the client
// closes it. A CONNECT without one is refused as nats-server refuses it ("-ERR
// 'Authorization Violation'", then close). Each wait is bounded (a minute): a silent
// client loses its connection, and a minute without a new one ends the serving
// fiber. The destructor cancels what the fiber waits for and joins it.
#ifndef TROUPE_TESTS_REMOTE_CHALLENGE_SERVER_H_
#define TROUPE_TESTS_REMOTE_CHALLENGE_SERVER_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::testing {

class ChallengeServer {
 public:
  // The CONNECT lines received, in order (the lines themselves, for messages).
  struct Connects {
    std::vector<std::string> with_signature;
    std::vector<std::string> without_signature;
  };

  explicit ChallengeServer(std::vector<std::string> nonces) : nonces_(std::move(nonces)) {}
  ~ChallengeServer();
  ChallengeServer(const ChallengeServer&) = delete;
  ChallengeServer& operator=(const ChallengeServer&) = delete;

  // Plain thread. Listens and starts serving. Call once. InvalidArgument without
  // nonces.
  absl::Status Start();
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(listener_->port()); }
  // Any thread, any time.
  Connects connects() const;

 private:
  void Serve();
  // Serves one accepted connection with `nonce` until it is closed or refused.
  void ServeConnection(TcpConnection& connection, const std::string& nonce);

  const std::vector<std::string> nonces_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<TcpListener> listener_;
  ContextWithCancel stop_ = WithCancel(Context::Background());
  JoinHandle serving_;
  mutable std::mutex mutex_;
  Connects connects_;  // guarded by mutex_
};

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_REMOTE_CHALLENGE_SERVER_H_
