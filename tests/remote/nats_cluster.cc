#include "troupe/tests/remote/nats_cluster.h"

#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace troupe::testing {
namespace {

// The integer after `"<field>":` in a monitoring endpoint's JSON, or -1.
int JsonInt(const std::string& json, const std::string& field) {
  const std::string key = absl::StrCat("\"", field, "\":");
  const std::size_t at = json.find(key);
  if (at == std::string::npos) return -1;
  std::size_t begin = json.find_first_not_of(' ', at + key.size());
  const std::size_t end = json.find_first_not_of("0123456789", begin);
  int value = -1;
  if (begin == std::string::npos || !absl::SimpleAtoi(json.substr(begin, end - begin), &value)) {
    return -1;
  }
  return value;
}

}  // namespace

NatsCluster::NatsCluster(int servers) {
  std::vector<int> route_ports;
  for (int i = 0; i < servers; ++i) route_ports.push_back(FreeLoopbackPort());
  std::vector<std::string> routes;
  for (int port : route_ports) routes.push_back(absl::StrCat("nats://127.0.0.1:", port));
  for (int i = 0; i < servers; ++i) {
    auto server = std::make_unique<NatsServer>();
    server->EnableMonitoring();
    // Each server lists every route, its own included (the server skips itself);
    // a name per server, as JetStream in a cluster needs.
    server->AddArguments({"--cluster", routes[i], "--routes", absl::StrJoin(routes, ","),
                          "--cluster_name", "test", "--server_name", absl::StrCat("s", i)});
    servers_.push_back(std::move(server));
  }
}

absl::Status NatsCluster::Start(absl::Duration ready_bound) {
  if (size() < 2 || size() > 9) {
    return absl::InvalidArgumentError(absl::StrCat("a cluster has 2 to 9 servers; got ", size()));
  }
  for (auto& server : servers_) {
    if (absl::Status started = server->Start(ready_bound); !started.ok()) return started;
  }
  const absl::Time give_up = absl::Now() + ready_bound;
  std::string why;
  while (!Ready(&why)) {
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the cluster was not ready within ", absl::FormatDuration(ready_bound), ": ", why));
    }
    // Polling the servers' state: nothing to wait on but the endpoint itself.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::OkStatus();
}

void NatsCluster::EnableJetStream() {
  jetstream_ = true;
  for (auto& server : servers_) server->EnableJetStream();
}

bool NatsCluster::Ready(std::string* why) const {
  for (int i = 0; i < size(); ++i) {
    const int routes = MonitoredCount(i, "/routez", "num_routes");
    if (routes != size() - 1) {
      *why = absl::StrCat("server ", i, " has ", routes, " routes of ", size() - 1);
      return false;
    }
    if (!jetstream_) continue;
    absl::StatusOr<std::string> jsz = servers_[i]->Monitor("/jsz");
    if (!jsz.ok() || jsz->find("\"leader\":") == std::string::npos) {
      *why = absl::StrCat("server ", i, " knows no JetStream meta leader yet");
      return false;
    }
  }
  return true;
}

int NatsCluster::MonitoredCount(int index, const std::string& path,
                                const std::string& field) const {
  absl::StatusOr<std::string> body = servers_.at(index)->Monitor(path);
  return body.ok() ? JsonInt(*body, field) : -1;
}

std::string NatsCluster::Urls() const { return UrlsExcept(-1); }

std::string NatsCluster::UrlsExcept(int index) const {
  std::vector<std::string> urls;
  for (int i = 0; i < size(); ++i) {
    if (i != index) urls.push_back(servers_[i]->url());
  }
  return absl::StrJoin(urls, ",");
}

int NatsCluster::ServerOf(const std::string& connection_name) const {
  for (int i = 0; i < size(); ++i) {
    if (servers_[i]->pid() <= 0) continue;  // killed
    absl::StatusOr<std::string> connz = servers_[i]->Monitor("/connz");
    if (!connz.ok()) continue;
    for (const char* spacing : {"\":\"", "\": \""}) {
      if (connz->find(absl::StrCat("\"name", spacing, connection_name, "\"")) !=
          std::string::npos) {
        return i;
      }
    }
  }
  return -1;
}

}  // namespace troupe::testing
