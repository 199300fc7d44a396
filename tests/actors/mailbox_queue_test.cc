// MailboxQueue: FIFO for one producer and per producer for several, and the
// sleep/wake handshake with its consumer.
#include "troupe/actors/internal/mailbox_queue.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace troupe {
namespace {

using actors_internal::MailboxNode;
using actors_internal::MailboxQueue;

struct Numbered : MailboxNode {
  int producer = 0;
  int64_t sequence = 0;
};

std::vector<Numbered> MakeNodes(int count, int producer = 0) {
  std::vector<Numbered> nodes(count);
  for (int i = 0; i < count; ++i) {
    nodes[i].producer = producer;
    nodes[i].sequence = i;
  }
  return nodes;
}

TEST(MailboxQueueTest, AnEmptyQueuePopsNothing) {
  MailboxQueue queue;
  EXPECT_EQ(queue.Pop(), nullptr);
}

TEST(MailboxQueueTest, ABurstComesOutInOrder) {
  MailboxQueue queue;
  std::vector<Numbered> nodes = MakeNodes(10'000);
  for (Numbered& node : nodes) queue.Push(&node);
  for (Numbered& node : nodes) ASSERT_EQ(queue.Pop(), &node) << "at " << node.sequence;
  EXPECT_EQ(queue.Pop(), nullptr);
}

// Pushes and pops interleaved at random (seeded) against a std::deque, the queue
// emptied again and again (the stub node goes back behind the last one each time).
TEST(MailboxQueueTest, InterleavedPushesAndPopsMatchAFifo) {
  MailboxQueue queue;
  std::vector<Numbered> nodes = MakeNodes(200'000);
  std::deque<Numbered*> expected;
  std::mt19937 random(20261207);
  std::size_t next = 0;
  while (next < nodes.size() || !expected.empty()) {
    // Bursts of pushes and of pops, of up to 3,000.
    const int burst = std::uniform_int_distribution<int>(1, 3000)(random);
    if (random() % 2 == 0) {
      for (int i = 0; i < burst && next < nodes.size(); ++i) {
        queue.Push(&nodes[next]);
        expected.push_back(&nodes[next]);
        ++next;
      }
    } else {
      for (int i = 0; i < burst && !expected.empty(); ++i) {
        ASSERT_EQ(queue.Pop(), expected.front());
        expected.pop_front();
      }
      if (expected.empty()) {
        ASSERT_EQ(queue.Pop(), nullptr);
      }
    }
  }
}

// Several threads push while one pops: all arrive, each producer's in its order.
TEST(MailboxQueueTest, ConcurrentProducersEachKeepTheirOrder) {
  constexpr int kProducers = 4;
  constexpr int kEach = 100'000;
  MailboxQueue queue;
  std::vector<std::vector<Numbered>> nodes;
  for (int p = 0; p < kProducers; ++p) nodes.push_back(MakeNodes(kEach, p));
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&queue, &nodes, p] {
      for (Numbered& node : nodes[p]) queue.Push(&node);
    });
  }
  std::vector<int64_t> next_expected(kProducers, 0);
  int64_t popped = 0;
  std::string disorder;
  // A lost message would leave the loop waiting: it gives up after a generous time
  // without one (a bound on a hang, not on speed).
  constexpr auto kStall = std::chrono::seconds(60);
  auto last_progress = std::chrono::steady_clock::now();
  while (popped < int64_t{kProducers} * kEach && disorder.empty()) {
    MailboxNode* node = queue.Pop();
    if (node == nullptr) {  // empty or in transit: the producers go on
      if (std::chrono::steady_clock::now() - last_progress > kStall) break;
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    const Numbered* numbered = static_cast<const Numbered*>(node);
    if (numbered->sequence != next_expected[numbered->producer]) {
      disorder = "producer " + std::to_string(numbered->producer) + ": got " +
                 std::to_string(numbered->sequence) + ", want " +
                 std::to_string(next_expected[numbered->producer]);
    }
    ++next_expected[numbered->producer];
    ++popped;
  }
  for (std::thread& producer : producers) producer.join();
  EXPECT_EQ(disorder, "");
  ASSERT_EQ(popped, int64_t{kProducers} * kEach) << "messages missing after a minute";
  EXPECT_EQ(queue.Pop(), nullptr);
}

// A consumer that found the queue empty sleeps, and the next push wakes it. The
// consumer is a thread of its own, whose wait ends with it.
TEST(MailboxQueueTest, APushWakesTheSleepingConsumer) {
  MailboxQueue queue;
  Numbered node;
  std::thread consumer([&] {
    ASSERT_EQ(queue.Pop(), nullptr);
    ASSERT_TRUE(queue.BeginSleep()) << "nothing was pushed: the consumer sleeps";
    EXPECT_TRUE(queue.Push(&node)) << "the push should wake the sleeping consumer";
    EXPECT_EQ(queue.Pop(), &node);
  });
  consumer.join();
}

// A message pushed before the consumer's check keeps it from sleeping.
TEST(MailboxQueueTest, AQueuedMessageKeepsTheConsumerAwake) {
  MailboxQueue queue;
  Numbered node;
  queue.Push(&node);
  EXPECT_FALSE(queue.BeginSleep());
  EXPECT_EQ(queue.Pop(), &node);
}

}  // namespace
}  // namespace troupe
