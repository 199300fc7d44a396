#include "troupe/benchmarks/remote/remote_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace troupe::remote_bench {

void Die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "remote benchmarks: %s: %s\n", what.c_str(), why.c_str());
  std::exit(1);
}

Work MakeWork(int64_t id) {
  Work work;
  work.set_id(id);
  work.set_value(id * 7);
  work.set_tag("bench");
  return work;
}

void Server::Receive(ServerMessage& message) {
  Request& request = std::get<Request>(message);
  const int64_t count = counted_->fetch_add(1, std::memory_order_relaxed) + 1;  // a counter
  Done done;
  done.set_id(request.work.id());
  done.set_count(count);
  request.reply.Send(std::move(done));
}

namespace {

RemoteNodeOptions NodeOptions(const std::string& url, bool send_immediately) {
  RemoteNodeOptions options;
  options.url = url;
  options.system = "bench";
  options.send_immediately = send_immediately;
  return options;
}

}  // namespace

RemoteFixture::RemoteFixture() {
  server_.EnableJetStream();  // for the at-least-once actor and RemoteChannel
  if (absl::Status started = server_.Start(); !started.ok()) {
    Die("nats-server", started.ToString());
  }
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 2});
  if (!runtime.ok()) Die("runtime", runtime.status().ToString());
  runtime_ = *std::move(runtime);
  system_ = std::make_unique<ActorSystem>(*runtime_);
  host_ = ConnectNode(/*send_immediately=*/true);
  client_ = ConnectNode(/*send_immediately=*/true);
  server_actor_ = system_->Spawn<Server>({.name = "server"}, &counted_);
  if (absl::Status published = host_->Publish<Work, Done>("server", server_actor_, &MakeRequest);
      !published.ok()) {
    Die("publish", published.ToString());
  }
  ActorRef<ServerMessage> stored_server =
      system_->Spawn<Server>({.name = "stored-server"}, &stored_counted_);
  if (absl::Status published = host_->Publish<Work, Done>(
          "stored-server", stored_server, &MakeRequest, {.delivery = Delivery::kAtLeastOnce});
      !published.ok()) {
    Die("publish at least once", published.ToString());
  }
}

RemoteFixture::~RemoteFixture() {
  client_.reset();
  host_.reset();
  system_.reset();
  runtime_.reset();
  server_.Stop();
}

std::unique_ptr<RemoteNode> RemoteFixture::ConnectNode(bool send_immediately) {
  absl::StatusOr<std::unique_ptr<RemoteNode>> node =
      RemoteNode::Connect(NodeOptions(server_.url(), send_immediately));
  if (!node.ok()) Die("connect", node.status().ToString());
  return *std::move(node);
}

RemoteRef<Work, Done> RemoteFixture::Lookup(const std::string& name, Delivery delivery,
                                            RemoteNode* node) {
  if (node == nullptr) node = client_.get();
  absl::StatusOr<RemoteRef<Work, Done>> ref =
      node->Lookup<Work, Done>(name, {.delivery = delivery});
  if (!ref.ok()) Die("lookup " + name, ref.status().ToString());
  return *std::move(ref);
}

int64_t RemoteFixture::host_dropped() const {
  return static_cast<int64_t>(host_->stats().dropped_by_full_buffer);
}

}  // namespace troupe::remote_bench
