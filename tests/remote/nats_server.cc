#include "troupe/tests/remote/nats_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace troupe::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// The low end of the kernel's ephemeral port range (the ports it gives outgoing
// connections and binds to port 0), 32768 if it cannot be read.
int EphemeralPortsStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 2048 ? low : 32768;
}

bool CanBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address = Loopback(port);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return bound;
}

}  // namespace

// Below the ephemeral range: a port the kernel handed out for port 0 could be taken
// by an outgoing connection — a cluster's routes, a client of this very test —
// between the check and the server's bind (seen: "nats-server exited before
// accepting"). Ports below the range are only ever taken by a bind, and a random
// pick keeps tests running at once from choosing the same one. A port is handed out
// once per process: a cluster picks all its route and monitoring ports before any
// server binds one, so "free" alone could name the same port twice.
int FreeLoopbackPort() {
  static std::mutex mutex;
  static std::mt19937 random(std::random_device{}());
  static std::unordered_set<int> handed_out;
  const int high = EphemeralPortsStart();
  const int low = high / 2;
  std::lock_guard<std::mutex> lock(mutex);
  std::uniform_int_distribution<int> pick(low, high - 1);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = pick(random);
    if (handed_out.count(port) == 0 && CanBind(port)) {
      handed_out.insert(port);
      return port;
    }
  }
  return 0;
}

namespace {

// Whether the server with process id `pid` has said, in `log`, that it listens for
// clients on `port`. The log says so only once the listener is bound: a connect to
// the port could reach another test's server that took the port first, while ours
// is still starting (and about to fail its bind). Each line begins with "[pid]",
// which tells this server's lines from an earlier one's (Restart appends).
bool LogSaysListening(const std::string& log, pid_t pid, int port) {
  std::ifstream file(log);
  const std::string prefix = absl::StrCat("[", pid, "] ");
  const std::string listening =
      absl::StrCat("Listening for client connections on 127.0.0.1:", port);
  std::string line;
  while (std::getline(file, line)) {
    if (absl::StartsWith(line, prefix) && absl::EndsWith(line, listening)) return true;
  }
  return false;
}

std::string ServerBinary() {
  if (const char* configured = std::getenv("NATS_SERVER")) return configured;
  if (access("/usr/sbin/nats-server", X_OK) == 0) return "/usr/sbin/nats-server";
  return "/usr/bin/nats-server";
}

}  // namespace

absl::Status NatsServer::Start(absl::Duration ready_bound) {
  if (pid_ > 0) return absl::FailedPreconditionError("nats-server already running");
  if (port_ == 0) port_ = FreeLoopbackPort();
  if (port_ == 0) return absl::InternalError("no free loopback port");
  const std::string binary = ServerBinary();
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {binary, "-a", "127.0.0.1", "-p", port};
  if (jetstream_) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    args.insert(args.end(), {"-js", "-sd",
                             absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/nats-js-", port_)});
  }
  if (monitoring_port_ != 0) args.insert(args.end(), {"-m", std::to_string(monitoring_port_)});
  args.insert(args.end(), extra_arguments_.begin(), extra_arguments_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The server's log goes to a file beside the test's outputs, not into the test log.
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string log = absl::StrCat(outputs != nullptr ? outputs : "/tmp", "/nats-server-",
                                       port_, ".log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int error = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    return absl::InternalError(absl::StrCat("cannot start ", binary, " (install Debian's ",
                                            "nats-server; setup.sh does): errno ", error));
  }
  const absl::Time give_up = absl::Now() + ready_bound;
  while (!LogSaysListening(log, pid_, port_)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("nats-server exited before listening on port ", port_, " (status ",
                       status, "); is the port taken? Its log: ", log));
    }
    if (absl::Now() > give_up) {
      End(SIGKILL);
      return absl::DeadlineExceededError(absl::StrCat(
          "nats-server did not say it listens on port ", port_, " within ",
          absl::FormatDuration(ready_bound), "; its log: ", log));
    }
    // Polling another process's log: nothing to block on.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::OkStatus();
}

void NatsServer::End(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  pid_ = -1;
}

void NatsServer::Stop() { End(SIGTERM); }

absl::StatusOr<std::string> NatsServer::Monitor(const std::string& path) const {
  if (monitoring_port_ == 0) {
    return absl::FailedPreconditionError("monitoring is not enabled (EnableMonitoring)");
  }
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: errno ", errno));
  // The server answers at once on loopback; the bound only keeps a hung server
  // from hanging the test.
  const timeval bound{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  sockaddr_in address = Loopback(monitoring_port_);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the monitoring port ", monitoring_port_));
  }
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n");
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("cannot send the monitoring request");
  }
  std::string response;
  char buffer[4096];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, got);
  close(fd);
  if (got < 0) return absl::UnavailableError(absl::StrCat("reading ", path, ": errno ", errno));
  const std::size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || response.find(" 200 ") == std::string::npos ||
      body == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("no 200 answer for ", path, ": ",
                                               response.substr(0, 80)));
  }
  return response.substr(body + 4);
}
void NatsServer::Kill() { End(SIGKILL); }

}  // namespace troupe::testing
