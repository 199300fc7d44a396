// Router<M>: a pool of identical, supervised workers behind one copyable handle —
// Akka's pool routers, CAF's actor_pool.
//
//   troupe::Router<Job> pool = troupe::Router<Job>::Start<Worker>(
//       system, {.name = "moderation", .workers = 8,
//                .routing = troupe::Routing::kSmallestMailbox}, config);
//   pool.Tell(Job{...});         // to one worker, as the routing says
//   pool.Broadcast(Flush{});     // to every worker
//   pool.Resize(16);             // more workers; fewer stops the newest gracefully
//
// Routing happens in the sender, with no router actor in between (no extra mailbox
// hop): round robin (one shared counter), random, smallest mailbox (the shallowest
// of the live workers' mailboxes), consistent hash (a key from the message, so
// messages with the same key go to the same worker while the pool's size stays put,
// and a resize moves only about 1/n of the keys), and broadcast. A worker that fails
// is restarted in place by the pool's supervisor (same mailbox, same handle); past its
// restart limit the pool gives up on it and routes around it.
//
// Memory: the list of workers is published as an immutable snapshot, so Tell reads
// it with one atomic load and no reference count. A resize publishes a new snapshot
// and keeps the old ones until the router's last handle goes (resizes are rare;
// each keeps one vector of references).
#ifndef TROUPE_ACTORS_ROUTER_H_
#define TROUPE_ACTORS_ROUTER_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/supervisor.h"
#include "troupe/actors/tell_status.h"

namespace troupe {

enum class Routing { kRoundRobin, kRandom, kSmallestMailbox, kConsistentHash, kBroadcast };

template <typename M>
struct RouterOptions {
  std::string name = "router";  // workers are named "<name>-<i>"
  int workers = 1;              // in [1, 100000]
  Routing routing = Routing::kRoundRobin;
  // kConsistentHash only (required there): the key of a message.
  std::function<uint64_t(const M&)> hash_key = nullptr;
  SupervisorOptions supervision = {};  // how the pool restarts failed workers
  ActorOptions worker_options = {};    // the name is set per worker
};

template <typename M>
class Router {
 public:
  Router() = default;

  // Any fiber or thread. Starts `options.workers` actors of type A built from copies
  // of `args`. InvalidArgument if the options are not valid (saying what is allowed).
  template <typename A, typename... Args>
  static absl::StatusOr<Router> Start(ActorSystem& system, RouterOptions<M> options,
                                      Args... args) {
    static_assert(std::is_same_v<typename A::MessageType, M>,
                  "the workers must take the router's message type");
    if (options.workers < 1 || options.workers > kMaxWorkers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "router ", options.name, ": workers must be in [1, ", kMaxWorkers, "]; got ",
          options.workers));
    }
    if (options.routing == Routing::kBroadcast && !std::is_copy_constructible_v<M>) {
      return absl::InvalidArgumentError(absl::StrCat(
          "router ", options.name, ": kBroadcast copies each message, and M is not copyable"));
    }
    if (options.routing == Routing::kConsistentHash && options.hash_key == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "router ", options.name, ": kConsistentHash needs a hash_key function"));
    }
    auto state = std::make_shared<State>(system, std::move(options));
    state->spawn = [state = state.get(), args...](int index) {
      ActorOptions worker = state->options.worker_options;
      worker.name = absl::StrCat(state->options.name, "-", index);
      return state->supervisor.template StartChild<A>(std::move(worker), args...);
    };
    state->Resize(state->options.workers);
    return Router(std::move(state));
  }

  // Any fiber or thread. Routes `message` (anything M can be built from) to a worker;
  // for kBroadcast, to every worker. Errors as ActorRef::Tell (a message not sent is
  // counted as a dead letter); for a broadcast, the first error.
  template <typename Message>
  TellStatus Tell(Message&& message, const Context& context = Context()) const {
    static_assert(std::is_constructible_v<M, Message&&>,
                  "this router's workers do not accept that message type");
    if (state_->options.routing == Routing::kBroadcast) {
      if constexpr (std::is_copy_constructible_v<M>) {
        return Broadcast(M(std::forward<Message>(message)), context);
      }
    }
    const Workers& workers = state_->current();
    switch (state_->options.routing) {
      case Routing::kRoundRobin: {
        // relaxed: spreading, not ordering.
        const uint64_t turn = state_->next.fetch_add(1, std::memory_order_relaxed);
        return workers.refs[turn % workers.refs.size()].Tell(std::forward<Message>(message),
                                                             context);
      }
      case Routing::kRandom:
        return workers.refs[RandomBelow(workers.refs.size())].Tell(
            std::forward<Message>(message), context);
      case Routing::kSmallestMailbox:
        return workers.Shallowest().Tell(std::forward<Message>(message), context);
      case Routing::kConsistentHash: {
        M routed(std::forward<Message>(message));
        const uint64_t key = state_->options.hash_key(routed);
        return workers.ForKey(key).Tell(std::move(routed), context);
      }
      case Routing::kBroadcast:
        break;  // a message type that cannot be copied: refused by Start
    }
    return absl::InternalError("unreachable: routing");
  }

  // Any fiber or thread. A copy of `message` to every worker.
  TellStatus Broadcast(const M& message, const Context& context = Context()) const {
    absl::Status first;
    for (const ActorRef<M>& worker : state_->current().refs) {
      absl::Status sent = worker.Tell(M(message), context);
      if (first.ok()) first = std::move(sent);
    }
    return first;
  }

  // Any fiber or thread. Grows the pool with new workers, or shrinks it by stopping
  // the newest gracefully (each handles what it has queued). InvalidArgument outside
  // [1, 100000].
  absl::Status Resize(int workers) const {
    if (workers < 1 || workers > kMaxWorkers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "router ", state_->options.name, ": workers must be in [1, ", kMaxWorkers,
          "]; got ", workers));
    }
    state_->Resize(workers);
    return absl::OkStatus();
  }

  // The workers now (a snapshot).
  std::vector<ActorRef<M>> workers() const { return state_->current().refs; }
  int size() const { return static_cast<int>(state_->current().refs.size()); }
  // How many times the pool's supervisor restarted a worker.
  uint64_t restarts() const { return state_->supervisor.restarts(); }
  explicit operator bool() const { return state_ != nullptr; }

 private:
  static constexpr int kMaxWorkers = 100000;
  static constexpr int kVirtualNodes = 64;  // points per worker on the hash ring

  // An immutable list of workers, with its hash ring.
  struct Workers {
    std::vector<ActorRef<M>> refs;
    std::vector<std::pair<uint64_t, uint32_t>> ring;  // (point, worker index), sorted

    explicit Workers(std::vector<ActorRef<M>> workers, bool with_ring)
        : refs(std::move(workers)) {
      if (!with_ring) return;
      ring.reserve(refs.size() * kVirtualNodes);
      for (uint32_t i = 0; i < refs.size(); ++i) {
        for (uint32_t point = 0; point < kVirtualNodes; ++point) {
          // Keyed by the worker's position, so a worker keeps its arcs across resizes.
          ring.emplace_back(absl::HashOf(i, point), i);
        }
      }
      std::sort(ring.begin(), ring.end());
    }
    const ActorRef<M>& ForKey(uint64_t key) const {
      const uint64_t point = absl::HashOf(key);
      auto it = std::lower_bound(ring.begin(), ring.end(),
                                 std::pair<uint64_t, uint32_t>(point, 0));
      if (it == ring.end()) it = ring.begin();
      return refs[it->second];
    }
    const ActorRef<M>& Shallowest() const {
      const ActorRef<M>* best = &refs.front();
      int64_t best_depth = INT64_MAX;
      for (const ActorRef<M>& worker : refs) {
        if (!worker.alive()) continue;  // given up by the supervisor: route around
        const int64_t depth = worker.mailbox_depth();
        if (depth < best_depth) {
          best = &worker;
          best_depth = depth;
          if (depth == 0) break;
        }
      }
      return *best;
    }
  };

  struct State {
    State(ActorSystem& system, RouterOptions<M> router_options)
        : options(std::move(router_options)), supervisor(system, options.supervision) {}

    const Workers& current() const {
      // acquire; pairs with the release in Resize: the snapshot is complete.
      return *published.load(std::memory_order_acquire);
    }

    // Serialized by resize_mutex.
    void Resize(int count) {
      std::lock_guard<std::mutex> lock(resize_mutex);
      const Workers* now = published.load(std::memory_order_relaxed);
      std::vector<ActorRef<M>> refs;
      if (now != nullptr) refs = now->refs;
      std::vector<ActorRef<M>> stopping;
      while (static_cast<int>(refs.size()) > count) {
        stopping.push_back(std::move(refs.back()));
        refs.pop_back();
      }
      while (static_cast<int>(refs.size()) < count) {
        refs.push_back(spawn(static_cast<int>(refs.size())));
      }
      snapshots.push_back(std::make_unique<Workers>(
          std::move(refs), options.routing == Routing::kConsistentHash));
      published.store(snapshots.back().get(), std::memory_order_release);
      // After the new list is out: senders that read the old one may still reach a
      // stopping worker, which then handles or dead-letters the message.
      for (const ActorRef<M>& worker : stopping) worker.Stop();
    }

    const RouterOptions<M> options;
    Supervisor supervisor;
    std::function<ActorRef<M>(int index)> spawn;
    std::atomic<uint64_t> next{0};
    std::atomic<const Workers*> published{nullptr};
    std::mutex resize_mutex;
    std::vector<std::unique_ptr<Workers>> snapshots;  // guarded by resize_mutex
  };

  static std::size_t RandomBelow(std::size_t bound) {
    thread_local std::minstd_rand generator(std::random_device{}());
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(generator);
  }

  explicit Router(std::shared_ptr<State> state) : state_(std::move(state)) {}

  std::shared_ptr<State> state_;
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_ROUTER_H_
