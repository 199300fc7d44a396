// EnvelopeCache: per-thread magazines of recycled envelopes and their shared depot.
#include "troupe/actors/internal/envelope_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace troupe
