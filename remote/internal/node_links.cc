// Links across nodes: RemoteNode::Link(local, remote) makes a local actor and a
// published one each other's links, as Link (actors/actor.h) does for two local
// actors — when either ends, the other's OnLinkedExit runs.
//
//   remote -> local: the linking node monitors the remote actor (NodeCore::Monitor):
//     its exit, or its node's death, is delivered to the local actor.
//   local -> remote: the linking node sends kLink (a link id and the local actor's
//     name) on the remote actor's subject, and kLinkedExit (the id and the exit
//     reason) when the local actor ends. The publishing node keeps each inbound link
//     as a monitor of the linking node (host = that node, no subscription), so that
//     the linking node's death or departure — which no kLinkedExit will announce —
//     delivers Unavailable, through the same heartbeat tracking as any monitor.
//
// Order: kLink and kLinkedExit travel on one subject from one connection, so the
// exit never arrives before its link. A link whose published actor has stopped
// still delivers into its mailbox, as a local link to a stopped actor does (the
// mailbox of a stopped actor takes nothing further).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/remote/internal/node_core.h"

namespace troupe::remote_internal {

uint64_t NodeCore::SendLink(const std::string& actor, absl::string_view linker) {
  const uint64_t link = next_link_.fetch_add(1, std::memory_order_relaxed);
  std::string frame;
  AppendHeader(Header{Kind::kLink, std::nullopt, id_}, &frame);
  AppendUint64(link, &frame);
  frame.append(linker.data(), linker.size());
  (void)transport_->Publish(ActorSubject(actor), frame);  // a failure is counted there
  return link;
}

void NodeCore::SendLinkedExit(const std::string& actor, uint64_t link,
                              const absl::Status& reason) {
  std::string frame;
  AppendHeader(Header{Kind::kLinkedExit, std::nullopt, id_}, &frame);
  AppendUint64(link, &frame);
  AppendStatus(reason, &frame);
  (void)transport_->Publish(ActorSubject(actor), frame);  // a failure is counted there
}

void NodeCore::OnLinkFrame(const Header& header, absl::string_view payload,
                           std::function<void(const ActorExit&)> deliver) {
  const std::optional<uint64_t> link = ParseUint64(payload);
  if (!link || header.sender == 0) {
    counters_.Count(counters_.rejected);
    return;
  }
  payload.remove_prefix(sizeof(uint64_t));
  const std::pair<uint64_t, uint64_t> key{header.sender, *link};
  if (header.kind == Kind::kLinkedExit) {
    uint64_t monitor = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = inbound_links_.find(key);
      if (it == inbound_links_.end()) return;  // its node was declared dead first
      monitor = it->second;
      inbound_links_.erase(it);
    }
    FireMonitor(monitor, ParseStatus(payload));
    return;
  }
  uint64_t monitor;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    monitor = next_monitor_++;
    monitors_.emplace(monitor, RemoteMonitor{std::string(payload), header.sender,
                                             [this, key, deliver = std::move(deliver)](
                                                 const ActorExit& exit) {
                                               {
                                                 std::lock_guard<std::mutex> lock(mutex_);
                                                 inbound_links_.erase(key);
                                               }
                                               deliver(exit);
                                             },
                                             0});
    inbound_links_.emplace(key, monitor);
  }
  TrackNode(header.sender);
  if (IsDead(header.sender)) {
    FireMonitor(monitor, absl::UnavailableError(absl::StrFormat(
                             "node %016x is declared dead (no heartbeat)", header.sender)));
  }
}

}  // namespace troupe::remote_internal
