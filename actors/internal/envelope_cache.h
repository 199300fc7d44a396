// EnvelopeCache<E>: recycles the envelopes of one message type (E derives from
// MailboxNode) through per-thread magazines, with no lock and no allocation on the
// common path. ActorCell<M> takes an envelope for every Tell and gives it back when
// the message has been handled, usually on another thread.
//
// Glossary (after Bonwick's magazine allocator, as in Go's mcache/mcentral): a
// *magazine* is an intrusive list of at most kMagazine envelopes, linked through
// MailboxNode::next. Each thread holds two: `loaded`, which Get pops and Put pushes,
// and `spare`. The *depot* is the shared stack of non-empty magazines.
//
//   Get:  loaded empty -> swap in the spare if it has envelopes, else take a magazine
//         from the depot (lock), else make a new envelope.
//   Put:  loaded full  -> swap in the spare if it is empty, else move the (full)
//         spare to the depot (lock) and keep the loaded one as the spare.
//
// So a sending thread and a receiving thread exchange envelopes a full magazine at a
// time: one lock on each side per kMagazine messages. The depot holds at most
// kDepotMagazines; beyond that Put frees the magazine, so the cache never grows
// without bound. A thread that exits gives its magazines to the depot (or frees them).
//
// Why per thread, and not per processor like scheduler/pool.h's Pool<T> (which this
// replaced for envelopes): a thread-local is found without a call into the
// scheduler, and whole magazines move as one pointer where Pool moves objects one
// by one between vectors; Get and Put never park, so the calling fiber cannot change
// threads in between. Local() is not inlined: a fiber may resume on another thread,
// and the compiler must not reuse a thread-local's address computed before a switch.
//
// Tried and dropped (2026-12-07): magazines as arrays of pointers, so that Get could
// prefetch for writing the envelope it hands out eight calls later. In Savina's
// Fork-Join throughput that removed the sender's stall on the recycled envelope's
// link (86% of its samples), but the faster sender then ran further ahead of the
// actors, more envelopes were in flight than the depot keeps, and new ones came from
// malloc and fresh pages: 0.61-0.65 s against 0.38-0.41 s for this design. The cost
// there is the envelope per message, not the cache (issue 19, item 5).
//
// Get and Put: any fiber or thread; never park.
#ifndef TROUPE_ACTORS_INTERNAL_ENVELOPE_CACHE_H_
#define TROUPE_ACTORS_INTERNAL_ENVELOPE_CACHE_H_

#include <atomic>
#include <cstddef>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/thread_annotations.h"
#include "troupe/actors/internal/mailbox_queue.h"
#include "troupe/scheduler/internal/spin_lock.h"

namespace troupe::actors_internal {

template <typename E>
class EnvelopeCache {
 public:
  // A recycled envelope (in whatever state it was Put) or a new one.
  static E* Get() {
    Magazines& local = Local();
    if (local.loaded.count == 0) local.Refill();
    if (local.loaded.count == 0) return new E();
    return local.loaded.Pop();
  }

  static void Put(E* envelope) {
    Magazines& local = Local();
    if (local.loaded.count == kMagazine) local.MakeRoom();
    local.loaded.Push(envelope);
  }

 private:
  static constexpr int kMagazine = 128;
  static constexpr std::size_t kDepotMagazines = 64;

  struct Magazine {
    MailboxNode* head = nullptr;
    int count = 0;

    // relaxed (both): the list belongs to one thread, or to the depot under its lock;
    // an envelope crosses threads only through the mailbox queue or that lock.
    void Push(E* envelope) {
      envelope->next.store(head, std::memory_order_relaxed);
      head = envelope;
      ++count;
    }
    E* Pop() {
      MailboxNode* node = head;
      head = node->next.load(std::memory_order_relaxed);
      --count;
      // The next Get will write to `head`, last written on the receiving core:
      // start fetching it for writing now.
      if (head != nullptr) __builtin_prefetch(head, /*rw=*/1);
      return static_cast<E*>(node);
    }
    void Free() {
      while (count > 0) delete Pop();
    }
  };

  struct Depot {
    Depot() { full.reserve(kDepotMagazines); }  // no allocation after this
    scheduler_internal::SpinLock lock;
    std::vector<Magazine> full ABSL_GUARDED_BY(lock);  // non-empty magazines

    // Takes `magazine` (non-empty) if there is room; else the caller frees it.
    bool TryGive(Magazine magazine) {
      scheduler_internal::SpinLockHolder holder(lock);
      if (full.size() >= kDepotMagazines) return false;
      full.push_back(magazine);
      return true;
    }
    bool TryTake(Magazine* magazine) {
      scheduler_internal::SpinLockHolder holder(lock);
      if (full.empty()) return false;
      *magazine = full.back();
      full.pop_back();
      return true;
    }
  };

  // Never destroyed: threads may exit (and give back their magazines) during static
  // destruction.
  static Depot& depot() {
    static Depot* const depot = new Depot();
    return *depot;
  }

  struct Magazines {
    Magazine loaded;
    Magazine spare;

    // `loaded` is empty.
    void Refill() {
      if (spare.count > 0) {
        std::swap(loaded, spare);
      } else {
        depot().TryTake(&loaded);
      }
    }
    // `loaded` is full.
    void MakeRoom() {
      if (spare.count > 0) {  // full too: it goes to the depot
        if (!depot().TryGive(spare)) spare.Free();
      }
      spare = loaded;
      loaded = Magazine();
    }
    ~Magazines() {
      for (Magazine* magazine : {&loaded, &spare}) {
        if (magazine->count > 0 && !depot().TryGive(*magazine)) magazine->Free();
      }
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
