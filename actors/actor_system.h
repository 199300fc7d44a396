// ActorSystem: where actors live — spawning, dead letters, and the registry of names.
//
//   auto runtime = troupe::Runtime::Create({.procs = 4});
//   troupe::ActorSystem system(**runtime);
//   troupe::ActorRef<CounterMessage> counter =
//       system.Spawn<Counter>({.name = "counter"}, /*constructor args*/);
//
// Shutdown(grace) stops every actor gracefully, newest first, and says which missed
// the grace period. Destroying the system kills every actor still running and waits
// for them to stop; do either from a plain thread or a fiber that is not one of the
// system's actors.
#ifndef TROUPE_ACTORS_ACTOR_SYSTEM_H_
#define TROUPE_ACTORS_ACTOR_SYSTEM_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include "absl/strings/string_view.h"
#include <typeindex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell.h"
#include "troupe/actors/internal/cell_memory.h"
#include "troupe/actors/internal/live_actors.h"
#include "troupe/actors/internal/supervisor_core.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {

class ActorSystem {
 public:
  explicit ActorSystem(Runtime& runtime);
  ~ActorSystem();
  ActorSystem(const ActorSystem&) = delete;
  ActorSystem& operator=(const ActorSystem&) = delete;

  // Any fiber or thread. Starts an actor of type A built from `args` (copied: a
  // restart builds a fresh instance from them again). A must derive from
  // Actor<A::MessageType>.
  template <typename A, typename... Args>
  ActorRef<typename A::MessageType> Spawn(ActorOptions options, Args... args) {
    return Started(MakeCell<actors_internal::ActorCellFor<A, Args...>>(std::move(options),
                                                                       std::move(args)...));
  }

  // Any fiber or thread. Starts the actor `factory()` returns (by value), calling the
  // factory again for the fresh instance of every restart. For actors that take
  // move-only dependencies (a connection, a unique_ptr) or are not copyable: the
  // factory owns what it needs and is never copied.
  //
  //   system.SpawnFrom({.name = "room"}, [db = OpenDatabase()] { return Room(db.get()); });
  template <typename Factory>
  auto SpawnFrom(ActorOptions options, Factory factory) {
    using A = std::invoke_result_t<Factory&>;
    return Started(MakeCell<actors_internal::ActorCellFromFactory<A, Factory>>(
        std::move(options), std::move(factory)));
  }

  // Stops every actor, newest first: each handles what is already in its mailbox,
  // stops (its OnStop runs; watchers get Terminated), and only then is the next one
  // asked to stop. Newest first means an actor's children (spawned after it) stop
  // before it, and the front actors a service spawns last stop before the back ends
  // they use. Actors spawned meanwhile are stopped too. What is still running when
  // `grace` has passed is killed (the current message finishes; the rest become dead
  // letters), and the result is DeadlineExceeded naming those actors; otherwise OK.
  // Any thread, or a fiber that is not an actor of this system.
  absl::Status Shutdown(absl::Duration grace);

  // Messages that could not be delivered: sent to a stopped actor, dropped by a full
  // mailbox, or left in a mailbox when its actor stopped.
  uint64_t dead_letters() const { return dead_letters_.load(std::memory_order_relaxed); }
  // Called (on the fiber or thread that found the message undeliverable) for each.
  void OnDeadLetter(std::function<void(const DeadLetter&)> handler);

  // The registry. Names are unique among live actors; a stopped actor's name is
  // released. AlreadyExists if taken; Lookup says NotFound, or InvalidArgument if the
  // actor takes a different message type than asked for.
  template <typename M>
  absl::Status Register(const std::string& name, const ActorRef<M>& actor) {
    return RegisterCell(name, actor.cell(), std::type_index(typeid(M)),
                        std::static_pointer_cast<void>(actor.cell()->shared_from_this()));
  }
  template <typename M>
  absl::StatusOr<ActorRef<M>> Lookup(absl::string_view name) const {
    absl::StatusOr<std::shared_ptr<void>> cell = LookupCell(name, std::type_index(typeid(M)));
    if (!cell.ok()) return cell.status();
    return ActorRef<M>(std::static_pointer_cast<actors_internal::ActorCell<M>>(*cell));
  }

  // Live actors right now.
  std::size_t live_actors() const;

  // Actor instances replaced by a fresh one after a failure (every supervisor's).
  uint64_t restarts() const { return restarts_.load(std::memory_order_relaxed); }

  // The registered actors right now, by name (for metrics: names bound the series,
  // where one per anonymous actor would not). Any thread; takes the registry's lock.
  struct RegisteredActorStats {
    std::string name;
    int64_t mailbox_depth = 0;  // approximate (see ActorRef::mailbox_depth)
    uint64_t processed = 0;
  };
  std::vector<RegisteredActorStats> RegisteredActors() const;

  // Ask cycles. While an actor waits in Ask for another, the system records the
  // edge; an Ask that would close a cycle (A waits for B, B asks A — directly or
  // through others) is not sent: it fails at once with FailedPrecondition naming
  // the actors in the cycle, and `handler` (default: a line on stderr) is called with
  // that message, instead of both asks hanging until their deadlines.
  void OnAskCycle(std::function<void(const std::string&)> handler);
  uint64_t ask_cycles() const { return ask_cycles_.load(std::memory_order_relaxed); }

  // Ticks of actors' fixed-rate timers that were skipped because the actor had not
  // handled the previous one yet (or the runtime fired it late): at most one tick of a
  // timer waits in a mailbox (actors/internal/actor_timers.h, invariant 3).
  uint64_t timer_ticks_skipped() const {
    return timer_ticks_skipped_.load(std::memory_order_relaxed);  // a statistic
  }
  Runtime& runtime() { return runtime_; }

  // ---- For actor cells and Ask. ----
  void RecordDeadLetter(const DeadLetter& letter);
  void RecordRestart() { restarts_.fetch_add(1, std::memory_order_relaxed); }  // statistic
  void CellStopped(actors_internal::ActorCellBase* cell);
  // `caller` (an actor id) starts waiting for `callee`; an error if that closes a
  // cycle (then nothing is recorded). EndAsk removes the record.
  absl::Status BeginAsk(const actors_internal::ActorCellBase& caller,
                        const actors_internal::ActorCellBase& callee);
  void EndAsk(const actors_internal::ActorCellBase& caller);
  std::atomic<uint64_t>& timer_ticks_skipped_counter() { return timer_ticks_skipped_; }

 private:
  struct Registration {
    uint64_t actor_id;
    std::type_index type;
    std::shared_ptr<void> cell;
    const actors_internal::ActorCellBase* base;  // the cell (kept alive by `cell`)
  };

  // A cell (not started) of type Cell, an ActorCellFor or ActorCellFromFactory, for
  // the spawning functions here and in Supervisor and Actor. The cell, the actor's
  // instance and the shared_ptr's control block are one block of CellMemory
  // (cell_memory.h).
  template <typename Cell, typename... CellArgs>
  std::shared_ptr<actors_internal::ActorCell<typename Cell::M>> MakeCell(ActorOptions options,
                                                                         CellArgs&&... args) {
    using M = typename Cell::M;
    if (options.batch < 1) options.batch = 1;
    std::shared_ptr<actors_internal::ActorCell<M>> cell = std::allocate_shared<Cell>(
        actors_internal::CellAllocator<Cell>(), this,
        next_id_.fetch_add(1, std::memory_order_relaxed), std::move(options),
        std::forward<CellArgs>(args)...);
    Track(cell);
    return cell;
  }
  template <typename M>
  ActorRef<M> Started(std::shared_ptr<actors_internal::ActorCell<M>> cell) {
    cell->Start(runtime_);
    return ActorRef<M>(std::move(cell));
  }
  // Starts `cell` as a child of `supervisor`.
  template <typename M>
  ActorRef<M> StartedUnder(actors_internal::SupervisorCore& supervisor,
                           std::shared_ptr<actors_internal::ActorCell<M>> cell) {
    cell->set_supervisor(&supervisor);
    supervisor.AddChild(cell.get(), cell.get(), cell);
    return Started(std::move(cell));
  }
  void Track(std::shared_ptr<actors_internal::ActorCellBase> cell);
  absl::Status RegisterCell(const std::string& name, actors_internal::ActorCellBase* base,
                            std::type_index type, std::shared_ptr<void> cell);
  absl::StatusOr<std::shared_ptr<void>> LookupCell(absl::string_view name,
                                                   std::type_index type) const;

  friend class Supervisor;
  template <typename M>
  friend class Actor;

  Runtime& runtime_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> dead_letters_{0};
  std::atomic<uint64_t> timer_ticks_skipped_{0};
  std::atomic<uint64_t> restarts_{0};
  actors_internal::LiveActors live_;
  // Guards the name registry, the ask-cycle map and the handlers; never held across a
  // park. Not taken to spawn or stop an actor (live_ is sharded), except to drop the
  // name of a registered one.
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, Registration> registry_;
  std::function<void(const DeadLetter&)> dead_letter_handler_;
  struct AskEdge {
    uint64_t callee_id;
    const actors_internal::ActorCellBase* callee;  // alive while the edge is
  };
  absl::flat_hash_map<uint64_t, AskEdge> waiting_for_;  // caller's id -> callee, in Ask
  std::function<void(const std::string&)> ask_cycle_handler_;
  std::atomic<uint64_t> ask_cycles_{0};
};

template <typename M>
template <typename A, typename... Args>
ActorRef<typename A::MessageType> Actor<M>::SpawnChild(ActorOptions options, Args... args) {
  return system().StartedUnder(
      cell_->children(), system().template MakeCell<actors_internal::ActorCellFor<A, Args...>>(
                             std::move(options), std::move(args)...));
}

template <typename M>
template <typename Factory>
auto Actor<M>::SpawnChildFrom(ActorOptions options, Factory factory) {
  using A = std::invoke_result_t<Factory&>;
  return system().StartedUnder(
      cell_->children(),
      system().template MakeCell<actors_internal::ActorCellFromFactory<A, Factory>>(
          std::move(options), std::move(factory)));
}

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_SYSTEM_H_
