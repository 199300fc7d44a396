// EnvelopeCache<E>: recycles the envelopes of one message type through per-thread
// magazines, with no lock and no allocation on the common path. ActorCell<M> takes
// an envelope for every Tell and gives it back when the message has been handled,
// usually on another thread.
//
// Glossary (after Bonwick's magazine allocator, as in Go's mcache/mcentral): a
// *magazine* is an array of up to kMagazine envelope pointers. Each thread holds two:
// `loaded`, which Get pops and Put pushes, and `spare`. The *depot* is the shared
// store of stocked magazines (full ones, and what exiting threads left) and of
// empty ones.
//
//   Get:  loaded empty -> swap in the spare if it has envelopes, else trade the empty
//         loaded one at the depot for a stocked one (lock), else make a new envelope.
//   Put:  loaded full  -> swap in the spare if it is not full, else move the (full)
//         spare to the depot and take an empty magazine from it (lock).
//
// So a sending thread and a receiving thread exchange envelopes a full magazine at a
// time: one lock on each side per kMagazine messages. The depot keeps the stocked
// magazines of the flow's working set — however many envelopes it keeps in flight —
// and, as envelopes keep coming back, trims at most once a second what it held unused
// (Depot, below): a flow in steady state calls neither malloc nor free, and a burst's
// envelopes are freed once the flow after it has gone on for a second or two. A
// thread that exits gives its magazines to the depot.
//
// Why arrays of pointers and not lists linked through the envelopes (the first
// design): a recycled envelope was last written on the receiving core. Popping a
// linked list reads each envelope's link before the next one can be found, so every
// Tell waited for one cross-core cache miss in a row (85% of the sender's samples in
// Savina's Fork-Join throughput). From an array, Get knows the envelopes ahead of
// time and prefetches for writing the one it will hand out kPrefetchAhead calls
// later, so those misses overlap; and Put writes the magazine, not the envelope.
// Measured (BENCHMARKS.md, "Fork-Join throughput and mailbox locality"): Fork-Join
// throughput, sent from a fiber, 1.47x faster; the other Savina flows, the actor
// micro-benchmarks and the comparison's actors level. The one flow it slows is a
// plain thread pouring into unbounded mailboxes much faster than the actors drain
// them (no soft bound holds a thread back): the old design's stall slowed that
// sender to the actors' pace, while now it runs ahead and its envelopes come from
// malloc and fresh pages until the depot holds the backlog's worth.
//
// Why the depot has no fixed bound (it had one, 64 magazines, freeing what a Put
// brought beyond): Fork-Join throughput keeps 60 mailboxes x 1,024 envelopes in
// flight, so every envelope went back to malloc on the actor's core and came new
// from malloc on the sender's — 14% of the samples in malloc, free and their
// helpers. Keeping the working set made it 1.5x faster, 1.7-1.86x with Recycle
// clearing only what each envelope's kind used (BENCHMARKS.md); trimming what an
// interval left unused keeps a burst from being hoarded.
//
// Cost: each thread that sends or handles a message type holds two magazines of it
// (about 1 KiB each), made on its first Get or Put.
//
// Why per thread, and not per processor like scheduler/pool.h's Pool<T> (which this
// replaced for envelopes): a thread-local is found without a call into the
// scheduler, and whole magazines move as one pointer where Pool moves objects one
// by one between vectors; Get and Put never park, so the calling fiber cannot change
// threads in between. Local() is not inlined: a fiber may resume on another thread,
// and the compiler must not reuse a thread-local's address computed before a switch.
//
// Get and Put: any fiber or thread; never park.
#ifndef TROUPE_ACTORS_INTERNAL_ENVELOPE_CACHE_H_
#define TROUPE_ACTORS_INTERNAL_ENVELOPE_CACHE_H_

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/spin_lock.h"

namespace troupe::actors_internal {

template <typename E>
class EnvelopeCache {
 public:
  // A recycled envelope (in whatever state it was Put) or a new one.
  static E* Get() {
    Magazines& local = Local();
    if (local.loaded->count == 0 && !local.Refill()) return new E();
    return local.loaded->Pop();
  }

  static void Put(E* envelope) {
    Magazines& local = Local();
    if (local.loaded->count == kMagazine) local.MakeRoom();
    local.loaded->Push(envelope);
  }

  // For tests. Ends the depot's trim interval now (Put does so itself once the
  // interval, kDefaultTrimIntervalNs, has passed): frees the stocked magazines beyond
  // kDepotMagazines that no Get took since the interval began.
  static void TrimDepot() {
    std::vector<Magazine*> surplus;
    {
      scheduler_internal::SpinLockHolder holder(depot().lock);
      depot().Trim(&surplus);
    }
    Depot::Free(surplus);
  }
  // For tests: how long a trim interval lasts from now on (a test that counts what
  // is freed makes it longer than itself, and trims with TrimDepot).
  static void SetTrimInterval(std::chrono::nanoseconds interval) {
    scheduler_internal::SpinLockHolder holder(depot().lock);
    depot().trim_interval_ns = interval.count();
  }

 private:
  static constexpr int kMagazine = 128;
  // What the depot keeps without trimming: stocked magazines, and empty ones.
  static constexpr std::size_t kDepotMagazines = 64;
  static constexpr int64_t kDefaultTrimIntervalNs = 1'000'000'000;
  // How many Gets ahead an envelope is prefetched: enough to cover a cross-core miss
  // (about 200 ns here) with the sender's work between two Tells.
  static constexpr int kPrefetchAhead = 8;

  // Belongs to one thread, or to the depot under its lock.
  struct Magazine {
    int count = 0;
    E* slots[kMagazine];

    void Push(E* envelope) { slots[count++] = envelope; }
    E* Pop() {
      E* envelope = slots[--count];
      // Another core most likely wrote it last: start moving its line here, for
      // writing, kPrefetchAhead Gets before it is handed out.
      if (count >= kPrefetchAhead) __builtin_prefetch(slots[count - kPrefetchAhead], /*rw=*/1);
      return envelope;
    }
    // The first kPrefetchAhead Pops of a newly loaded magazine, which no earlier Pop
    // prefetched.
    void PrefetchTop() {
      for (int i = count - 1; i >= 0 && i >= count - kPrefetchAhead; --i) {
        __builtin_prefetch(slots[i], /*rw=*/1);
      }
    }
    void FreeEnvelopes() {
      while (count > 0) delete slots[--count];
    }
  };

  // The stocked magazines are the envelopes of a burst or of a flow's working set
  // (Savina's Fork-Join throughput keeps 60 x 1,024 in flight); it has no fixed
  // bound, so that such a flow recycles instead of calling malloc and free per
  // message. What it holds beyond kDepotMagazines is trimmed to the working set:
  // stocked magazines that stayed in the depot through a whole trim interval (the
  // fewest it held since the last trim) are freed, the oldest first. A trim is due
  // once an interval has passed, and is done by the next magazine stocked: so a
  // burst's envelopes are kept for one to two intervals after the flow that needed
  // them slows, and a program that stops sending this type altogether keeps what it
  // had (at most its peak in flight) until it sends it again. Empty magazines are
  // kept up to kDepotMagazines; beyond that they are freed. The vectors may grow
  // (malloc) under the lock; envelopes are only ever freed outside it.
  struct Depot {
    scheduler_internal::SpinLock lock;
    std::vector<Magazine*> stocked ABSL_GUARDED_BY(lock);  // count > 0; oldest first
    std::vector<Magazine*> empty ABSL_GUARDED_BY(lock);    // count == 0
    // The fewest stocked magazines held since trimmed_at_ns.
    std::size_t stocked_low ABSL_GUARDED_BY(lock) = 0;
    // troupe's coarse clock (a tick's precision is plenty for an interval of seconds).
    int64_t trimmed_at_ns ABSL_GUARDED_BY(lock) = scheduler_internal::MonotonicCoarseNanos();
    int64_t trim_interval_ns ABSL_GUARDED_BY(lock) = kDefaultTrimIntervalNs;

    // Takes the full `magazine` and gives an empty one in its place (made if the
    // depot has none); ends the trim interval if it is due, freeing the surplus
    // after the lock is released.
    Magazine* TradeFull(Magazine* magazine) {
      std::vector<Magazine*> surplus;
      Magazine* traded = nullptr;
      {
        scheduler_internal::SpinLockHolder holder(lock);
        Stock(magazine, &surplus);
        if (!empty.empty()) {
          traded = empty.back();
          empty.pop_back();
        }
      }
      Free(surplus);
      return traded != nullptr ? traded : new Magazine();
    }
    // Takes the empty `magazine` and gives a stocked one in its place, or nullptr
    // (and the caller keeps `magazine`) if the depot has none.
    Magazine* TradeEmpty(Magazine* magazine) {
      scheduler_internal::SpinLockHolder holder(lock);
      if (stocked.empty()) return nullptr;
      Magazine* traded = stocked.back();
      stocked.pop_back();
      stocked_low = std::min(stocked_low, stocked.size());
      delete KeepEmpty(magazine);
      return traded;
    }
    // A magazine of an exiting thread, in any state.
    void Keep(Magazine* magazine) {
      std::vector<Magazine*> surplus;
      Magazine* unwanted = nullptr;
      {
        scheduler_internal::SpinLockHolder holder(lock);
        if (magazine->count > 0) {
          Stock(magazine, &surplus);
        } else {
          unwanted = KeepEmpty(magazine);
        }
      }
      delete unwanted;
      Free(surplus);
    }
    // Holds a stocked magazine; ends the trim interval if it is due.
    void Stock(Magazine* magazine, std::vector<Magazine*>* surplus)
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock) {
      stocked.push_back(magazine);
      TrimIfDue(surplus);
    }
    // Holds an empty magazine, or gives it back (to be deleted) when the depot has
    // kDepotMagazines of them.
    Magazine* KeepEmpty(Magazine* magazine) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock) {
      if (empty.size() >= kDepotMagazines) return magazine;
      empty.push_back(magazine);
      return nullptr;
    }
    // Ends a trim interval: moves to *surplus the stocked magazines beyond
    // kDepotMagazines that no Get needed since the last trim.
    void Trim(std::vector<Magazine*>* surplus) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock) {
      const std::size_t unused = std::min(stocked_low, stocked.size());
      if (unused > kDepotMagazines) {
        const std::size_t count = unused - kDepotMagazines;
        surplus->assign(stocked.begin(), stocked.begin() + count);
        stocked.erase(stocked.begin(), stocked.begin() + count);
      }
      stocked_low = stocked.size();
      trimmed_at_ns = scheduler_internal::MonotonicCoarseNanos();
    }
    void TrimIfDue(std::vector<Magazine*>* surplus) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock) {
      // Read once per full magazine (every kMagazine Puts), so the clock is cheap here.
      if (stocked.size() > kDepotMagazines &&
          scheduler_internal::MonotonicCoarseNanos() - trimmed_at_ns >= trim_interval_ns) {
        Trim(surplus);
      }
    }
    static void Free(const std::vector<Magazine*>& magazines) {
      for (Magazine* magazine : magazines) {
        magazine->FreeEnvelopes();
        delete magazine;
      }
    }
  };

  // Never destroyed: threads may exit (and give back their magazines) during static
  // destruction.
  static Depot& depot() {
    static Depot* const depot = new Depot();
    return *depot;
  }

  struct Magazines {
    Magazine* loaded = new Magazine();
    Magazine* spare = new Magazine();

    // `loaded` is empty. True if it holds envelopes now.
    bool Refill() {
      if (spare->count > 0) {
        std::swap(loaded, spare);
      } else if (Magazine* stocked = depot().TradeEmpty(loaded)) {
        loaded = stocked;
      } else {
        return false;
      }
      loaded->PrefetchTop();
      return true;
    }
    // `loaded` is full.
    void MakeRoom() {
      if (spare->count < kMagazine) {
        std::swap(loaded, spare);
        return;
      }
      Magazine* full = spare;
      spare = loaded;
      loaded = depot().TradeFull(full);
    }
    ~Magazines() {
      for (Magazine* magazine : {loaded, spare}) depot().Keep(magazine);
    }
  };

  ABSL_ATTRIBUTE_NOINLINE static Magazines& Local() {
    thread_local Magazines magazines;
    // A side effect the optimiser cannot see through, so it never treats Local() as
    // a pure function whose result may be reused across calls (see the top).
    __asm__ __volatile__("");
    return magazines;
  }
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_ENVELOPE_CACHE_H_
