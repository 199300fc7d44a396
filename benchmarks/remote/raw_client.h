// RawPair: the NATS C client alone, as the floor troupe's remote actors add to — a
// requester connection and a responder connection whose subscription counts every
// message and answers those that carry a reply subject (with a small Done), as a
// troupe node answers an Ask. Used by remote_bench.cc (Google Benchmark) and
// remote_main.cc (the JSON rows) alike.
//
// Any thread may call Request and Publish (the C client's connections are
// thread-safe); the counting runs on the subscription's delivery thread.
#ifndef TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_
#define TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace troupe::remote_bench {

class RawPair {
 public:
  // Connects both connections to `url` (in the C client's "send ASAP" mode when
  // `send_asap`, as troupe's nodes are by default) and subscribes the responder to
  // `subject`. Exits the process with a message if the server does not take them.
  RawPair(const std::string& url, const std::string& subject, bool send_asap);
  // Unsubscribes and closes both connections. The subscription's delivery thread
  // may still hold `this` for a moment after: a RawPair lives as long as the process.
  void Close();

  // One request and its answer; false if no answer came within 10 s.
  bool Request(const std::string& payload);
  // One message to the subject, not answered; false if the client refused it.
  bool Publish(const std::string& payload);

  // Messages the responder took, and those its client dropped (its pending limit
  // overflowed: a slow consumer).
  int64_t counted() const { return counted_.load(std::memory_order_relaxed); }  // a counter
  int64_t dropped() const;

 private:
  static void OnMessage(natsConnection* connection, natsSubscription*, natsMsg* message,
                        void* closure);
  natsConnection* requester_ = nullptr;
  natsConnection* responder_ = nullptr;
  natsSubscription* subscription_ = nullptr;
  // Relaxed: a count only, polled by the measuring thread, which reads nothing else
  // the delivery thread wrote.
  std::atomic<int64_t> counted_{0};
  std::string subject_;
};

}  // namespace troupe::remote_bench

#endif  // TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_
