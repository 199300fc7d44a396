// EnvelopeCache: per-thread magazines of recycled envelopes and their shared depot.
#include "troupe/actors/internal/envelope_cache.h"

#include <atomic>
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

// Envelopes beyond what the depot keeps are freed, not hoarded: a consumer that gives
// back far more than a producer will take (here, a burst the size of 20,000
// messages) leaves at most the depot's 64 magazines of 128 when its thread exits;
// and what the depot kept is handed out again before anything new is made.
struct Freed : MailboxNode {
  static inline std::atomic<int> made{0};
  static inline std::atomic<int> freed{0};
  Freed() { made.fetch_add(1); }
  ~Freed() { freed.fetch_add(1); }
};

TEST(EnvelopeCacheTest, EnvelopesBeyondTheDepotAreFreedAndTheKeptOnesReused) {
  constexpr int kEnvelopes = 20'000;
  std::vector<Freed*> taken;
  std::thread producer([&] {
    for (int i = 0; i < kEnvelopes; ++i) taken.push_back(EnvelopeCache<Freed>::Get());
  });
  producer.join();
  ASSERT_EQ(Freed::made.load(), kEnvelopes);
  std::thread consumer([&] {
    for (Freed* envelope : taken) EnvelopeCache<Freed>::Put(envelope);
  });
  consumer.join();
  EXPECT_GE(Freed::freed.load(), kEnvelopes - 64 * 128);
  const int kept = kEnvelopes - Freed::freed.load();
  taken.clear();
  std::thread next_producer([&] {
    for (int i = 0; i < kept; ++i) taken.push_back(EnvelopeCache<Freed>::Get());
    for (Freed* envelope : taken) EnvelopeCache<Freed>::Put(envelope);
  });
  next_producer.join();
  EXPECT_EQ(Freed::made.load(), kEnvelopes);
}

}  // namespace
}  // namespace troupe
