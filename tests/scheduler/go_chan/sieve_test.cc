// Go's test/chan/sieve1.go and sieve2.go: two concurrent prime sieves.
//
// sieve1 is the classic daisy chain: a generator of 2, 3, 4, ... and one filter
// goroutine per prime found, each ranging over its input. sieve2 merges the
// multiples of every prime found so far through a heap of channels and feeds the
// primes back to itself through an unbounded proxy whose send case is switched off
// with a nil channel while its queue is empty. Both leave their goroutines parked
// for ever when main has its primes, as the Go programs do.
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

// The first `count` primes, by trial division.
std::vector<int> FirstPrimes(int count) {
  std::vector<int> primes;
  for (int n = 2; static_cast<int>(primes.size()) < count; ++n) {
    bool prime = true;
    for (int p : primes) prime = prime && n % p != 0;
    if (prime) primes.push_back(n);
  }
  return primes;
}

// Go's 25 primes below 100, and more to lengthen the chains.
constexpr int kPrimes = 100;

// ---- sieve1 ----

void Generate(SendChannel<int> ch) {
  for (int i = 2;; ++i) {
    if (!ch.Send(i).ok()) return;
  }
}

void Filter(RecvChannel<int> in, SendChannel<int> out, int prime) {
  for (int i : in) {
    if (i % prime != 0 && !out.Send(i).ok()) return;
  }
}

void Sieve1(SendChannel<int> primes) {
  Channel<int> ch(0);
  Go([ch] { Generate(ch); });
  for (;;) {
    std::optional<int> prime = ch.Recv();
    if (!prime.has_value() || !primes.Send(*prime).ok()) return;
    Channel<int> ch1(0);
    Go([ch, ch1, prime = *prime] { Filter(ch, ch1, prime); });
    ch = ch1;
  }
}

using SieveTest = GoProgramTest;

TEST_P(SieveTest, DaisyChainOfFiltersYieldsThePrimesInOrder) {
  std::vector<int> got;
  RunProgram([&] {
    Channel<int> primes(0);
    Go([primes] { Sieve1(primes); });
    for (int i = 0; i < kPrimes; ++i) {
      std::optional<int> prime = primes.Recv();
      ASSERT_TRUE(prime.has_value());
      got.push_back(*prime);
    }
  });
  EXPECT_EQ(got, FirstPrimes(kPrimes));
}

// ---- sieve2 ----

RecvChannel<int> Odds() {
  Channel<int> out(50);
  Go([out] {
    for (int n = 5;; n += 2) {
      if (!out.Send(n).ok()) return;
    }
  });
  return out;
}

RecvChannel<int> Multiples(int p) {
  Channel<int> out(10);
  Go([out, p] {
    for (int n = p * p;; n += 2 * p) {
      if (!out.Send(n).ok()) return;
    }
  });
  return out;
}

// A channel with the value received from it last.
struct PeekChannel {
  int head;
  RecvChannel<int> ch;
};
struct HeadIsLater {
  bool operator()(const PeekChannel& a, const PeekChannel& b) const { return a.head > b.head; }
};
using PeekHeap = std::priority_queue<PeekChannel, std::vector<PeekChannel>, HeadIsLater>;

// Pops the smallest head into *min, receives that channel's next head and pushes it
// back. False if the receive failed.
bool AdvanceSmallest(PeekHeap& heap, int* min) {
  PeekChannel smallest = heap.top();
  heap.pop();
  *min = smallest.head;
  std::optional<int> next = smallest.ch.Recv();
  if (!next.has_value()) return false;
  smallest.head = *next;
  heap.push(smallest);
  return true;
}

// Forwards what is sent to the result to `out`, queueing without bound so that
// senders never wait for `out`'s reader.
SendChannel<int> SendProxy(SendChannel<int> out) {
  Channel<int> proxy(10);
  Go([proxy, out] {
    std::deque<int> queue;
    for (;;) {
      // The nil channel switches the send case off while there is nothing to send.
      SendChannel<int> forward = queue.empty() ? SendChannel<int>() : out;
      int next = queue.empty() ? 0 : queue.front();
      const int fired = Select(
          OnRecv(proxy, [&](std::optional<int> value) {
            if (value.has_value()) queue.push_back(*value);
          }),
          OnSend(forward, next, [&](absl::Status sent) {
            if (sent.ok()) queue.pop_front();
          }));
      if (fired < 0) return;  // the runtime is going
    }
  });
  return proxy;
}

RecvChannel<int> Sieve2() {
  Channel<int> out(10);
  EXPECT_TRUE(out.Send(2).ok());
  EXPECT_TRUE(out.Send(3).ok());
  Channel<int> composites(50);
  Channel<int> primes(10);
  EXPECT_TRUE(primes.Send(3).ok());

  // Merges the multiples of each prime into `composites`, in order (with repeats).
  Go([primes, composites] {
    PeekHeap heap;
    int min = 15;
    for (;;) {
      std::optional<int> prime = primes.Recv();
      if (!prime.has_value()) return;
      RecvChannel<int> multiples = Multiples(*prime);
      std::optional<int> head = multiples.Recv();
      if (!head.has_value()) return;
      while (min < *head) {
        if (!composites.Send(min).ok() || !AdvanceSmallest(heap, &min)) return;
      }
      while (min == *head) {
        if (!AdvanceSmallest(heap, &min)) return;
      }
      if (!composites.Send(*head).ok()) return;
      std::optional<int> next = multiples.Recv();
      if (!next.has_value()) return;
      heap.push(PeekChannel{*next, multiples});
    }
  });

  // The odd numbers that are not composites are the primes.
  Go([primes, composites, out] {
    SendChannel<int> primes_in = SendProxy(primes);
    RecvChannel<int> candidates = Odds();
    std::optional<int> p = candidates.Recv();
    for (;;) {
      std::optional<int> c = composites.Recv();
      if (!p.has_value() || !c.has_value()) return;
      while (*p < *c) {
        if (!primes_in.Send(*p).ok() || !out.Send(*p).ok()) return;
        p = candidates.Recv();
        if (!p.has_value()) return;
      }
      if (*p == *c) p = candidates.Recv();
    }
  });
  return out;
}

TEST_P(SieveTest, MergedMultiplesThroughAHeapOfChannelsYieldThePrimesInOrder) {
  std::vector<int> got;
  RunProgram([&] {
    RecvChannel<int> primes = Sieve2();
    for (int i = 0; i < kPrimes; ++i) {
      std::optional<int> prime = primes.Recv();
      ASSERT_TRUE(prime.has_value());
      got.push_back(*prime);
    }
  });
  EXPECT_EQ(got, FirstPrimes(kPrimes));
}

TROUPE_GO_PROGRAM_OVER_PROCS(SieveTest);

}  // namespace
}  // namespace troupe::go_chan
