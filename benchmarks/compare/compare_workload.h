// The synthetic workload of the pattern comparison (compare.cc and its presets,
// compare_presets.h), defined exactly so that the Go and Boost.Fiber versions
// (peers/go/compare, peers/boost_fiber/compare_fibers.cc) compute the same checksum;
// and the latency quantiles every version reports.
//
// Records: `count` records with ids 0..count-1, each with a payload of `size` bytes:
//   payload[j] = uint8((id * 131 + j * 7) ^ (id >> 3))           (j = 0..size-1)
// Work per record, chained 64-bit FNV-1a over the payload, one byte at a time
// (h ^= byte; h *= 1099511628211), starting from h = 14695981039346656037 ^ id:
//   parse     `parse_rounds` rounds (default 2)
//   validate  `validate_rounds` rounds (default 1)
//   transform `transform_rounds` rounds (default 3)
// each round continuing from the previous round's h, every count of rounds multiplied
// by the record's cost factor (below). The record's result is the final h.
//
// Mix64 is splitmix64's finaliser (x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
// x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31), all mod 2^64.
//   cost factor  `heavy_factor` if Mix64(id ^ kHeavySalt) % 10000 < heavy_basis_points,
//                else 1 (a heavy tail: 100 basis points = 1% of records)
//   key          with keys > 0, u = Mix64(id ^ kKeySalt): if u % 100 < hot_key_percent,
//                (u >> 32) % max(1, keys / 100) (one of the hottest 1% of keys), else
//                (u >> 32) % keys; with keys == 0 every record has key 0
//   I/O          with io_wait_ns > 0 the validate step also waits that long (parking
//                the fiber or blocking the thread, as the design chooses); the wait
//                changes nothing in the checksum
//
// The checksum, which every design must reproduce exactly (all sums mod 2^64):
//   unordered    the sum of every record's result (independent of arrival order)
//   ordered      each key k (one key, 0, when keys == 0) keeps a chain starting at
//                kFnvOffset ^ k; the sink folds each result into its key's chain,
//                c = (c ^ result) * kFnvPrime, so a design that lets one key's records
//                leave out of order gets a different value; the checksum is the sum of
//                every key's chain, k = 0..max(keys, 1)-1
//   keyed state  with state_words > 0, each key owns `state_words` 64-bit lanes, zero
//                at the start; after transform, a record adds Mix64(result + i) to
//                lane i of its key's state (additions commute: no order matters); the
//                checksum adds, for every key k = 0..keys-1, the FNV chain of its
//                lanes: d = kFnvOffset ^ k; d = (d ^ lane) * kFnvPrime for each lane
//
// The multiply chain makes every byte depend on the previous one: the compiler can
// neither vectorise nor skip it.
#ifndef TROUPE_BENCHMARKS_COMPARE_COMPARE_WORKLOAD_H_
#define TROUPE_BENCHMARKS_COMPARE_COMPARE_WORKLOAD_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::benchmarks {

struct WorkloadParams {
  int64_t count = 1'000'000;
  std::size_t size = 256;
  int parse_rounds = 2;
  int validate_rounds = 1;
  int transform_rounds = 3;
  int heavy_basis_points = 0;  // share of heavy records, in 1/10000
  int heavy_factor = 100;      // a heavy record's rounds are multiplied by this
  int64_t io_wait_ns = 0;      // validate also waits this long (0: no wait)
  int64_t keys = 0;            // 0: unkeyed
  int hot_key_percent = 0;     // share of records whose key is one of the hottest 1%
  int state_words = 0;         // > 0: keyed state of this many lanes per key
  bool ordered = false;        // each key's records must reach the sink in id order
};

inline constexpr uint64_t kFnvOffset = 14695981039346656037ull;
inline constexpr uint64_t kFnvPrime = 1099511628211ull;
inline constexpr uint64_t kHeavySalt = 0x5ca1ab1e5ca1ab1eull;
inline constexpr uint64_t kKeySalt = 0x6b65796b65796b65ull;

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

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

inline int CostFactor(int64_t id, const WorkloadParams& p) {
  if (p.heavy_basis_points <= 0) return 1;
  const uint64_t draw = Mix64(static_cast<uint64_t>(id) ^ kHeavySalt) % 10000;
  return draw < static_cast<uint64_t>(p.heavy_basis_points) ? p.heavy_factor : 1;
}

inline uint64_t KeyOf(int64_t id, const WorkloadParams& p) {
  if (p.keys <= 0) return 0;
  const uint64_t u = Mix64(static_cast<uint64_t>(id) ^ kKeySalt);
  const auto keys = static_cast<uint64_t>(p.keys);
  if (u % 100 < static_cast<uint64_t>(p.hot_key_percent)) {
    return (u >> 32) % std::max<uint64_t>(1, keys / 100);
  }
  return (u >> 32) % keys;
}

// One record in flight. The payload buffer is recycled by the designs, so steady
// state allocates nothing per record.
struct Record {
  int64_t id = 0;
  uint64_t key = 0;
  int cost = 1;  // the cost factor
  uint64_t hash = 0;
  std::unique_ptr<uint8_t[]> payload;
};

inline void FillPayload(int64_t id, uint8_t* payload, std::size_t size) {
  for (std::size_t j = 0; j < size; ++j) {
    payload[j] = static_cast<uint8_t>((id * 131 + static_cast<int64_t>(j) * 7) ^ (id >> 3));
  }
}

// What the source does for record `id` (the record's payload has `p.size` bytes).
inline void FillRecord(int64_t id, Record& r, const WorkloadParams& p) {
  r.id = id;
  r.key = KeyOf(id, p);
  r.cost = CostFactor(id, p);
  r.hash = 0;
  FillPayload(id, r.payload.get(), p.size);
}

// A record as bytes, to cross processes (the designs spread over processes,
// node_comparison.h): id, key, cost and hash (8 bytes each, the host's byte order:
// both ends are this binary on one machine), then the `size`-byte payload.
inline constexpr std::size_t kRecordHeaderBytes = 32;
inline void EncodeRecord(const Record& r, std::size_t size, std::string* out) {
  const uint64_t header[4] = {static_cast<uint64_t>(r.id), r.key, static_cast<uint64_t>(r.cost),
                              r.hash};
  out->append(reinterpret_cast<const char*>(header), sizeof(header));
  out->append(reinterpret_cast<const char*>(r.payload.get()), size);
}
// False (and `r` unspecified) unless `bytes` is a record of a `size`-byte payload.
inline bool DecodeRecord(std::string_view bytes, std::size_t size, Record* r) {
  if (bytes.size() != kRecordHeaderBytes + size) return false;
  uint64_t header[4];
  std::memcpy(header, bytes.data(), sizeof(header));
  r->id = static_cast<int64_t>(header[0]);
  r->key = header[1];
  r->cost = static_cast<int>(header[2]);
  r->hash = header[3];
  std::memcpy(r->payload.get(), bytes.data() + kRecordHeaderBytes, size);
  return true;
}

inline void Parse(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, kFnvOffset ^ static_cast<uint64_t>(r.id),
                     p.parse_rounds * r.cost);
}
// The computing part of validate; the I/O wait, if any, is the design's to add.
inline void Validate(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, r.hash, p.validate_rounds * r.cost);
}
inline void Transform(Record& r, const WorkloadParams& p) {
  r.hash = FnvRounds(r.payload.get(), p.size, r.hash, p.transform_rounds * r.cost);
}

// The keyed-state update: lane i of the record's key gets Mix64(result + i).
inline void UpdateState(const Record& r, uint64_t* lanes, int words) {
  for (int i = 0; i < words; ++i) lanes[i] += Mix64(r.hash + static_cast<uint64_t>(i));
}
inline uint64_t StateDigest(uint64_t key, const uint64_t* lanes, int words) {
  uint64_t d = kFnvOffset ^ key;
  for (int i = 0; i < words; ++i) d = (d ^ lanes[i]) * kFnvPrime;
  return d;
}

// The ordered fold: a key's chain before its first record, and after one more result.
inline uint64_t ChainStart(uint64_t key) { return kFnvOffset ^ key; }
inline uint64_t Chain(uint64_t chain, uint64_t result) { return (chain ^ result) * kFnvPrime; }

// The quantiles of the latency distribution every design reports besides
// p50/p95/p99/max (compare_designs.h, and the peer programs' latency_quantiles_us),
// for the report's distribution chart. Ranked alike everywhere: element
// floor(q x (n - 1)) of the sorted latencies.
inline constexpr double kLatencyQuantiles[] = {0.10, 0.25, 0.50, 0.75, 0.90,
                                               0.95, 0.99, 0.999, 0.9999};
inline constexpr std::size_t kLatencyQuantileCount = std::size(kLatencyQuantiles);

// All three steps, as a design without stages (the ceiling) runs them; no I/O wait.
inline void ProcessRecord(Record& r, const WorkloadParams& p) {
  Parse(r, p);
  Validate(r, p);
  Transform(r, p);
}

// The checksum every design must reproduce, computed sequentially on the calling
// thread without the I/O waits (a reference for tests and for the peer programs'
// self-check).
inline uint64_t SequentialChecksum(const WorkloadParams& w) {
  Record record;
  record.payload = std::make_unique<uint8_t[]>(w.size);
  const int64_t chains = std::max<int64_t>(1, w.keys);
  std::vector<uint64_t> chain(w.ordered ? static_cast<std::size_t>(chains) : 0);
  for (int64_t k = 0; k < static_cast<int64_t>(chain.size()); ++k) {
    chain[k] = ChainStart(static_cast<uint64_t>(k));
  }
  const bool keyed_state = w.state_words > 0 && w.keys > 0;
  std::vector<uint64_t> lanes(keyed_state ? static_cast<std::size_t>(w.keys * w.state_words) : 0);
  uint64_t sum = 0;
  for (int64_t id = 0; id < w.count; ++id) {
    FillRecord(id, record, w);
    ProcessRecord(record, w);
    if (keyed_state) UpdateState(record, &lanes[record.key * w.state_words], w.state_words);
    if (w.ordered) {
      chain[record.key] = Chain(chain[record.key], record.hash);
    } else {
      sum += record.hash;
    }
  }
  for (uint64_t c : chain) sum += c;
  if (keyed_state) {
    for (int64_t k = 0; k < w.keys; ++k) {
      sum += StateDigest(static_cast<uint64_t>(k), &lanes[k * w.state_words], w.state_words);
    }
  }
  return sum;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_COMPARE_WORKLOAD_H_
