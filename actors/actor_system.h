// ActorSystem: where actors live — spawning, dead letters, and the registry of names.
//
//   auto runtime = troupe::Runtime::Create({.procs = 4});
//   troupe::ActorSystem system(**runtime);
//   troupe::ActorRef<CounterMessage> counter =
//       system.Spawn<Counter>({.name = "counter"}, /*constructor args*/);
//
// Destroying the system kills every actor still running and waits for them to stop;
// do it from a plain thread (or a fiber of another runtime).
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

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell.h"
#include "troupe/actors/internal/cell_memory.h"
#include "troupe/actors/internal/live_actors.h"
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
    auto cell = MakeCellFor<A>(std::move(options), std::move(args)...);
    cell->Start(runtime_);
    return ActorRef<typename A::MessageType>(std::move(cell));
  }

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

  // Ask cycles. While an actor waits in Ask for another, the system records the
  // edge; an Ask that would close a cycle (A waits for B, B asks A — directly or
  // through others) is not sent: it fails at once with FailedPrecondition naming
  // the actors in the cycle, and `handler` (default: a line on stderr) is called with
  // that message, instead of both asks hanging until their deadlines.
  void OnAskCycle(std::function<void(const std::string&)> handler);
  uint64_t ask_cycles() const { return ask_cycles_.load(std::memory_order_relaxed); }
  Runtime& runtime() { return runtime_; }

  // ---- For actor cells and Ask. ----
  void RecordDeadLetter(const DeadLetter& letter);
  void CellStopped(actors_internal::ActorCellBase* cell);
  // `caller` (an actor id) starts waiting for `callee`; an error if that closes a
  // cycle (then nothing is recorded). EndAsk removes the record.
  absl::Status BeginAsk(const actors_internal::ActorCellBase& caller,
                        const actors_internal::ActorCellBase& callee);
  void EndAsk(const actors_internal::ActorCellBase& caller);

 private:
  struct Registration {
    uint64_t actor_id;
    std::type_index type;
    std::shared_ptr<void> cell;
  };

  // A cell (not started) for an actor of type A built from copies of `args`, for
  // Spawn and Supervisor::StartChild.
  // The cell, the actor's instance and the shared_ptr's control block are one block
  // of CellMemory (cell_memory.h).
  template <typename A, typename... Args>
  std::shared_ptr<actors_internal::ActorCell<typename A::MessageType>> MakeCellFor(
      ActorOptions options, Args... args) {
    using M = typename A::MessageType;
    using Cell = actors_internal::ActorCellFor<A, Args...>;
    static_assert(std::is_base_of_v<Actor<M>, A>, "A must derive from Actor<M>");
    static_assert(std::is_constructible_v<A, const Args&...>,
                  "A must be constructible from (copies of) the arguments given");
    if (options.batch < 1) options.batch = 1;
    std::shared_ptr<actors_internal::ActorCell<M>> cell = std::allocate_shared<Cell>(
        actors_internal::CellAllocator<Cell>(), this,
        next_id_.fetch_add(1, std::memory_order_relaxed), std::move(options),
        std::move(args)...);
    Track(cell);
    return cell;
  }
  void Track(std::shared_ptr<actors_internal::ActorCellBase> cell);
  absl::Status RegisterCell(const std::string& name, actors_internal::ActorCellBase* base,
                            std::type_index type, std::shared_ptr<void> cell);
  absl::StatusOr<std::shared_ptr<void>> LookupCell(absl::string_view name,
                                                   std::type_index type) const;

  friend class Supervisor;

  Runtime& runtime_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> dead_letters_{0};
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

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_SYSTEM_H_
