// EnvelopeCache: per-thread magazines of recycled envelopes and their shared depot.
#include "troupe/actors/internal/envelope_cache.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/internal/mailbox_queue.h"

namespace troupe {
namespace {

using actors_internal::EnvelopeCache;
using actors_internal::MailboxNode;

// Counts constructions, so a test can tell a recycled envelope from a new one. Each
// test uses its own type: the cache is per type.
template <int kTag>
struct Counted : MailboxNode {
  static inline std::atomic<int> made{0};
  Counted() { made.fetch_add(1); }
};

TEST(EnvelopeCacheTest, APutEnvelopeIsTheNextOneGot) {
  using E = Counted<1>;
  E* first = EnvelopeCache<E>::Get();
  EXPECT_EQ(E::made.load(), 1);
  EnvelopeCache<E>::Put(first);
  EXPECT_EQ(EnvelopeCache<E>::Get(), first);
  EXPECT_EQ(E::made.load(), 1);
  EnvelopeCache<E>::Put(first);
}

// A producer thread takes envelopes and a consumer thread gives them back, as
// senders and an actor do: after the first round, whole magazines travel through
// the depot and nothing new is made.
TEST(EnvelopeCacheTest, EnvelopesCirculateFromConsumerToProducerWithoutNewOnes) {
  using E = Counted<2>;
  constexpr int kBatch = 1000;
  constexpr int kRounds = 50;
  std::vector<E*> in_flight;
  int made_after_first_round = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::thread producer([&] {
      for (int i = 0; i < kBatch; ++i) in_flight.push_back(EnvelopeCache<E>::Get());
    });
    producer.join();
    std::thread consumer([&] {
      for (E* envelope : in_flight) EnvelopeCache<E>::Put(envelope);
    });
    consumer.join();  // its magazines go to the depot as the thread exits
    in_flight.clear();
    if (round == 0) made_after_first_round = E::made.load();
  }
  EXPECT_EQ(E::made.load(), made_after_first_round);
  EXPECT_LE(made_after_first_round, kBatch);
}

// One long-lived producer and one long-lived consumer: magazines move through the
// depot while both threads keep theirs.
TEST(EnvelopeCacheTest, LongLivedThreadsExchangeWholeMagazines) {
  using E = Counted<3>;
  constexpr int kMessages = 100'000;
  std::atomic<MailboxNode*> handoff[64] = {};
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) {
      std::atomic<MailboxNode*>& slot = handoff[i % 64];
      E* envelope = EnvelopeCache<E>::Get();
      while (slot.load(std::memory_order_acquire) != nullptr) std::this_thread::yield();
      slot.store(envelope, std::memory_order_release);
    }
  });
  std::thread consumer([&] {
    for (int i = 0; i < kMessages; ++i) {
      std::atomic<MailboxNode*>& slot = handoff[i % 64];
      MailboxNode* node;
      while ((node = slot.load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
      slot.store(nullptr, std::memory_order_release);
      EnvelopeCache<E>::Put(static_cast<E*>(node));
    }
  });
  producer.join();
  consumer.join();
  // At most what the two threads' magazines, the depot and the hand-off hold.
  EXPECT_LT(E::made.load(), 4 * 128 + 64 * 128 + 64);
}

// Counts constructions and destructions, so a test can tell what the depot freed.
template <int kTag>
struct Freed : MailboxNode {
  static inline std::atomic<int> made{0};
  static inline std::atomic<int> freed{0};
  Freed() { made.fetch_add(1); }
  ~Freed() { freed.fetch_add(1); }
};

constexpr int kBurst = 20'000;
constexpr int kDepotFloor = 64 * 128;  // kDepotMagazines of kMagazine envelopes

// A producer thread takes a burst of envelopes and a consumer thread gives them all
// back; both threads exit, leaving their magazines in the depot.
template <typename E>
void GetAndPutABurst(std::vector<E*>* taken) {
  std::thread producer([&] {
    for (int i = 0; i < kBurst; ++i) taken->push_back(EnvelopeCache<E>::Get());
  });
  producer.join();
  std::thread consumer([&] {
    for (E* envelope : *taken) EnvelopeCache<E>::Put(envelope);
  });
  consumer.join();
  taken->clear();
}

// A burst's envelopes stay in the depot (the next burst recycles them instead of
// calling malloc), until a whole trim interval passes in which no Get needs them:
// then all but the depot's floor are freed, and what it kept is handed out again
// before anything new is made.
TEST(EnvelopeCacheTest, ABurstIsKeptUntilATrimIntervalPassesUnused) {
  using E = Freed<1>;
  EnvelopeCache<E>::SetTrimInterval(std::chrono::hours(24));  // only TrimDepot trims
  std::vector<E*> taken;
  GetAndPutABurst(&taken);
  ASSERT_EQ(E::made.load(), kBurst);
  GetAndPutABurst(&taken);
  EXPECT_EQ(E::made.load(), kBurst) << "the second burst should have recycled the first's";

  EnvelopeCache<E>::TrimDepot();  // the interval of the bursts ends
  EnvelopeCache<E>::TrimDepot();  // an interval in which nothing was taken
  EXPECT_GE(E::freed.load(), kBurst - kDepotFloor);
  const int kept = kBurst - E::freed.load();
  // The floor is 64 magazines, some of them partly filled (the exiting threads').
  EXPECT_GT(kept, kDepotFloor / 2) << "the depot should keep its floor of magazines";

  std::thread next_producer([&] {
    for (int i = 0; i < kept; ++i) taken.push_back(EnvelopeCache<E>::Get());
    for (E* envelope : taken) EnvelopeCache<E>::Put(envelope);
  });
  next_producer.join();
  EXPECT_EQ(E::made.load(), kBurst);
}

// Envelopes that a Get took during the interval are the working set: a trim leaves
// them in the depot.
TEST(EnvelopeCacheTest, ATrimKeepsWhatWasTakenDuringTheInterval) {
  using E = Freed<2>;
  EnvelopeCache<E>::SetTrimInterval(std::chrono::hours(24));  // only TrimDepot trims
  std::vector<E*> taken;
  GetAndPutABurst(&taken);
  EnvelopeCache<E>::TrimDepot();  // a new interval begins
  GetAndPutABurst(&taken);        // which takes every envelope out once
  EnvelopeCache<E>::TrimDepot();
  EXPECT_EQ(E::freed.load(), 0);
  EXPECT_EQ(E::made.load(), kBurst);
}

// Put trims by itself once an interval has passed. With an interval of zero every
// full magazine given back ends one, so a burst nobody takes again is freed as it
// comes back, down to the depot's floor.
TEST(EnvelopeCacheTest, PutTrimsByItselfWhenAnIntervalHasPassed) {
  using E = Freed<3>;
  EnvelopeCache<E>::SetTrimInterval(std::chrono::steady_clock::duration::zero());
  std::vector<E*> taken;
  GetAndPutABurst(&taken);
  EXPECT_GE(E::freed.load(), kBurst - kDepotFloor - 2 * 128)
      << "beyond the floor (and the magazine being traded), the burst should be freed";
  EXPECT_GT(E::freed.load(), 0);
}

}  // namespace
}  // namespace troupe
