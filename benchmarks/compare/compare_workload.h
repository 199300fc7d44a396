// The workload of the pattern comparison (compare.cc), defined exactly so that the
// Go and Boost.Fiber versions (go/compare/main.go, boost_fiber/compare_fibers.cc)
// compute the same checksum; and the latency quantiles every version reports.
//
// Records: `count` records with ids 0..count-1, each with a payload of `size` bytes:
//   payload[j] = uint8((id * 131 + j * 7) ^ (id >> 3))           (j = 0..size-1)
// Work per record, chained 64-bit FNV-1a over the payload, one byte at a time
// (h ^= byte; h *= 1099511628211), starting from h = 14695981039346656037 ^ id:
//   parse     `parse_rounds` rounds (default 2)
//   validate  `validate_rounds` rounds (default 1)
//   transform `transform_rounds` rounds (default 3)
// each round continuing from the previous round's h. The record's result is the final
// h. The sink folds checksum += result (mod 2^64), which does not depend on arrival
// order; every design must reproduce it exactly.
//
// The multiply chain makes every byte depend on the previous one: the compiler can
// neither vectorise nor skip it.
#ifndef TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_
#define TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>

namespace troupe::benchmarks {

struct WorkloadParams {
  int64_t count = 1'000'000;
  std::size_t size = 256;
  int parse_rounds = 2;
  int validate_rounds = 1;
  int transform_rounds = 3;
};

inline constexpr uint64_t kFnvOffset = 14695981039346656037ull;
inline constexpr uint64_t kFnvPrime = 1099511628211ull;

// One out-of-line copy, aligned, that the ceiling and every design call: inlined
// copies would each get their own code placement, and the placement of this loop
// alone moved its speed by 3% between builds, which the ceiling's percentage would
// then report as coordination cost.
__attribute__((noinline, aligned(64))) inline uint64_t FnvRounds(const uint8_t* data,
                                                                  std::size_t size, uint64_t h,
                                                                  int rounds) {
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t j = 0; j < size; ++j) {
      h ^= data[j];
      h *= kFnvPrime;
    }
  }
  return h;
}

// One record in flight. The payload buffer is recycled by the designs (a Pool), so
// steady state allocates nothing per record.
struct Record {
  int64_t id = 0;
  int64_t emitted_ns = 0;  // when it was (or, open loop, should have been) emitted
  uint64_t hash = 0;
  std::unique_ptr<uint8_t[]> payload;
};

inline void FillPayload(int64_t id, uint8_t* payload, std::size_t size) {
  for (std::size_t j = 0; j < size; ++j) {
    payload[j] = static_cast<uint8_t>((id * 131 + static_cast<int64_t>(j) * 7) ^ (id >> 3));
  }
}

inline void Parse(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, kFnvOffset ^ static_cast<uint64_t>(r.id),
                     p.parse_rounds);
}
inline void Validate(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, r.hash, p.validate_rounds);
}
inline void Transform(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, r.hash, p.transform_rounds);
}

// The quantiles of the latency distribution every design reports besides
// p50/p95/p99/max (compare_designs.h, and the peer programs' latency_quantiles_us),
// for the report's distribution chart. Ranked alike everywhere: element
// floor(q x (n - 1)) of the sorted latencies.
inline constexpr double kLatencyQuantiles[] = {0.10, 0.25, 0.50, 0.75, 0.90,
                                               0.95, 0.99, 0.999, 0.9999};
inline constexpr std::size_t kLatencyQuantileCount = std::size(kLatencyQuantiles);

// All three steps, as a design without stages (the ceiling) runs them.
inline void ProcessRecord(Record& r, const WorkloadParams& p) {
  Parse(r, p);
  Validate(r, p);
  Transform(r, p);
}

// The checksum every design must reproduce, computed sequentially on the calling
// thread (a reference for tests and for the peer programs' self-check).
inline uint64_t SequentialChecksum(const WorkloadParams& w) {
  Record record;
  record.payload = std::make_unique<uint8_t[]>(w.size);
  uint64_t sum = 0;
  for (int64_t id = 0; id < w.count; ++id) {
    record.id = id;
    FillPayload(id, record.payload.get(), w.size);
    ProcessRecord(record, w);
    sum += record.hash;
  }
  return sum;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_
