// The built-in workloads (compare_presets.h): each preset is a set of defaults for
// the synthetic workload's parameters and the generic flags; every flag given on the
// command line overrides its preset's default.
#include "troupe/benchmarks/compare/compare_presets.h"

#include <time.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/benchmarks/compare/workload.h"
#include "troupe/scheduler/this_fiber.h"

ABSL_FLAG(std::string, workload, "cpu",
          "the built-in workload: cpu, io, skewed, bursty, stateful or ordered "
          "(compare_presets.h)");
ABSL_FLAG(int64_t, size, -1, "payload bytes per record (-1: the workload's default, 256)");
ABSL_FLAG(int, parse_rounds, -1, "FNV-1a rounds of the parse step (-1: the workload's default)");
ABSL_FLAG(int, validate_rounds, -1, "FNV-1a rounds of the validate step (-1: default)");
ABSL_FLAG(int, transform_rounds, -1, "FNV-1a rounds of the transform step (-1: default)");
ABSL_FLAG(double, heavy_percent, -1,
          "share of heavy records, in percent, to 0.01 (-1: default; skewed: 1)");
ABSL_FLAG(int, heavy_factor, -1, "a heavy record's cost multiplier (-1: default, 100)");
ABSL_FLAG(int64_t, io_wait_us, -1, "the validate stage's wait per record, in us (-1: default; io: 200)");
ABSL_FLAG(std::string, io_mode, "",
          "how the wait waits: park (the fiber), block (the thread, through troupe::Blocking) "
          "or both (empty: the workload's default; io: both)");
ABSL_FLAG(int64_t, keys, -1, "keys of the records (-1: default; stateful 1024, ordered 64)");
ABSL_FLAG(int, hot_key_percent, -1,
          "share of records, in percent, whose key is one of the hottest 1% (-1: default)");
ABSL_FLAG(int, state_words, -1,
          "64-bit lanes of each key's state, updated per record (-1: default; stateful 32)");

namespace troupe::benchmarks {
namespace {

struct Preset {
  const char* name;
  const char* description;
  WorkloadParams params;
  int64_t records;
  int parallelism = 0;  // 0: procs
  double rate = 0;
  int64_t burst = 0;
  IoMode io_mode = IoMode::kPark;
};

std::vector<Preset> Presets() {
  std::vector<Preset> presets;
  presets.push_back({"cpu",
                     "uniform CPU work per record (parse, validate, transform: chained FNV-1a "
                     "rounds over the payload): the cost of coordination",
                     WorkloadParams{}, 1'000'000});
  Preset io{"io",
            "the validate stage also waits per record, as a fiber-parking wait "
            "(this_fiber::SleepFor) and, in the /block designs, as a thread-blocking call "
            "(nanosleep through troupe::Blocking): concurrency hides the waits",
            WorkloadParams{}, 100'000, 64};
  io.params.io_wait_ns = 200'000;
  io.io_mode = IoMode::kBoth;
  presets.push_back(io);
  Preset skewed{"skewed",
                "a heavy tail of per-record cost: 1% of the records cost 100x the rest "
                "(head-of-line blocking, unfair routing)",
                WorkloadParams{}, 200'000};
  skewed.params.heavy_basis_points = 100;
  presets.push_back(skewed);
  Preset bursty{"bursty",
                "open-loop arrivals in bursts (queueing, backpressure and p99 under bursts)",
                WorkloadParams{}, 300'000};
  bursty.rate = 500'000;
  bursty.burst = 2'000;
  presets.push_back(bursty);
  Preset stateful{"stateful",
                  "keyed records, each key's running state updated per record (commutative "
                  "lane sums): who owns the state, and what sharing it costs",
                  WorkloadParams{}, 500'000};
  stateful.params.parse_rounds = 1;
  stateful.params.validate_rounds = 1;
  stateful.params.transform_rounds = 1;
  stateful.params.keys = 1024;
  stateful.params.hot_key_percent = 20;
  stateful.params.state_words = 32;
  presets.push_back(stateful);
  Preset ordered{"ordered",
                 "each key's records must leave in input order (the sink chains each key's "
                 "results, so any reordering changes the checksum)",
                 WorkloadParams{}, 500'000};
  ordered.params.keys = 64;
  ordered.params.ordered = true;
  presets.push_back(ordered);
  return presets;
}

// Applies the preset flags given to `p`; InvalidArgument for a value out of range.
absl::Status ApplyFlags(WorkloadParams* p, IoMode* io_mode) {
  auto check = [](const char* flag, int64_t value, int64_t low, int64_t high) {
    if (value >= low && value <= high) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be in [", low, ", ", high, "]; got ", value));
  };
  if (int64_t v = absl::GetFlag(FLAGS_size); v != -1) {
    if (absl::Status s = check("size", v, 1, 1 << 20); !s.ok()) return s;
    p->size = static_cast<std::size_t>(v);
  }
  for (auto [flag, value, field] :
       {std::tuple{"parse_rounds", absl::GetFlag(FLAGS_parse_rounds), &p->parse_rounds},
        std::tuple{"validate_rounds", absl::GetFlag(FLAGS_validate_rounds), &p->validate_rounds},
        std::tuple{"transform_rounds", absl::GetFlag(FLAGS_transform_rounds),
                   &p->transform_rounds}}) {
    if (value == -1) continue;
    if (absl::Status s = check(flag, value, 0, 1000); !s.ok()) return s;
    *field = value;
  }
  if (double v = absl::GetFlag(FLAGS_heavy_percent); v != -1) {
    if (!(v >= 0 && v <= 100)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--heavy_percent must be in [0, 100]; got ", v));
    }
    p->heavy_basis_points = static_cast<int>(std::lround(v * 100));
  }
  if (int v = absl::GetFlag(FLAGS_heavy_factor); v != -1) {
    if (absl::Status s = check("heavy_factor", v, 1, 10'000); !s.ok()) return s;
    p->heavy_factor = v;
  }
  if (int64_t v = absl::GetFlag(FLAGS_io_wait_us); v != -1) {
    if (absl::Status s = check("io_wait_us", v, 0, 1'000'000); !s.ok()) return s;
    p->io_wait_ns = v * 1000;
  }
  if (const std::string mode = absl::GetFlag(FLAGS_io_mode); !mode.empty()) {
    if (mode == "park") {
      *io_mode = IoMode::kPark;
    } else if (mode == "block") {
      *io_mode = IoMode::kBlock;
    } else if (mode == "both") {
      *io_mode = IoMode::kBoth;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--io_mode must be park, block or both; got \"", mode, "\""));
    }
  }
  if (int64_t v = absl::GetFlag(FLAGS_keys); v != -1) {
    if (absl::Status s = check("keys", v, 0, 1 << 24); !s.ok()) return s;
    p->keys = v;
  }
  if (int v = absl::GetFlag(FLAGS_hot_key_percent); v != -1) {
    if (absl::Status s = check("hot_key_percent", v, 0, 100); !s.ok()) return s;
    p->hot_key_percent = v;
  }
  if (int v = absl::GetFlag(FLAGS_state_words); v != -1) {
    if (absl::Status s = check("state_words", v, 0, 1024); !s.ok()) return s;
    p->state_words = v;
  }
  if (p->state_words > 0 && p->keys < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--state_words needs keyed records: --keys must be >= 1; got ", p->keys));
  }
  if (p->state_words > 0 && p->ordered) {
    return absl::InvalidArgumentError(
        "a workload is either stateful (--state_words > 0) or ordered, not both");
  }
  return absl::OkStatus();
}

std::string DescribeParams(const WorkloadParams& p, IoMode io_mode) {
  std::vector<std::string> parts{absl::StrFormat(
      "FNV-1a rounds %d/%d/%d over %d-byte payloads", p.parse_rounds, p.validate_rounds,
      p.transform_rounds, p.size)};
  if (p.heavy_basis_points > 0) {
    parts.push_back(absl::StrFormat("%.2f%% of records heavy (x%d)",
                                    p.heavy_basis_points / 100.0, p.heavy_factor));
  }
  if (p.io_wait_ns > 0) {
    parts.push_back(absl::StrFormat(
        "validate waits %d us (%s)", p.io_wait_ns / 1000,
        io_mode == IoMode::kPark    ? "parking the fiber"
        : io_mode == IoMode::kBlock ? "blocking the thread"
                                    : "parking the fiber; /block designs: blocking the thread"));
  }
  if (p.keys > 0) {
    parts.push_back(absl::StrFormat("%d keys, %d%% of records on the hottest 1%%", p.keys,
                                    p.hot_key_percent));
  }
  if (p.state_words > 0) parts.push_back(absl::StrFormat("%d state lanes per key", p.state_words));
  if (p.ordered) parts.push_back(p.keys > 0 ? "ordered per key" : "ordered");
  return absl::StrJoin(parts, "; ");
}

std::string PeerFlags(const WorkloadParams& p) {
  return absl::StrFormat(
      "-size=%d -parse_rounds=%d -validate_rounds=%d -transform_rounds=%d -heavy_bp=%d "
      "-heavy_factor=%d -io_wait_us=%d -keys=%d -hot_key_percent=%d -state_words=%d "
      "-ordered=%d",
      p.size, p.parse_rounds, p.validate_rounds, p.transform_rounds, p.heavy_basis_points,
      p.heavy_factor, p.io_wait_ns / 1000, p.keys, p.hot_key_percent, p.state_words,
      p.ordered ? 1 : 0);
}

// The validate stage's wait, as a parking or a blocking call.
void ParkFor(int64_t ns) { this_fiber::SleepFor(absl::Nanoseconds(ns)); }
void BlockFor(int64_t ns) {
  timespec left{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

}  // namespace

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) names.push_back(p.name);
  return names;
}

ErasedWorkload SyntheticWorkload(const std::string& name, const std::string& description,
                                 const WorkloadParams& params, bool blocking) {
  using Lanes = std::vector<uint64_t>;
  Workload<Record, Lanes> w;
  w.name = name;
  w.description = description;
  const WorkloadParams p = params;
  w.make = [size = p.size] {
    Record r;
    r.payload = std::make_unique<uint8_t[]>(size);
    return r;
  };
  w.source = [p](int64_t id, Record& r) { FillRecord(id, r, p); };
  Stage<Record> validate{"validate", [p](Record& r) { Validate(r, p); }};
  if (p.io_wait_ns > 0) {
    validate.kind = blocking ? StageKind::kBlocks : StageKind::kParks;
    validate.run = [p, blocking](Record& r) {
      Validate(r, p);
      (blocking ? BlockFor : ParkFor)(p.io_wait_ns);
    };
  }
  w.stages = {{"parse", [p](Record& r) { Parse(r, p); }},
              std::move(validate),
              {"transform", [p](Record& r) { Transform(r, p); }}};
  w.result = [](const Record& r) { return r.hash; };
  if (p.keys > 0 && (p.state_words > 0 || p.ordered)) {
    w.keys = p.keys;
    w.key = [](const Record& r) { return r.key; };
  }
  if (p.state_words > 0) {
    KeyedState<Record, Lanes> state;
    state.initial = [words = p.state_words](uint64_t) { return Lanes(words, 0); };
    state.update = [words = p.state_words](const Record& r, Lanes& lanes) {
      UpdateState(r, lanes.data(), words);
    };
    state.digest = [words = p.state_words](uint64_t key, const Lanes& lanes) {
      return StateDigest(key, lanes.data(), words);
    };
    w.state = std::move(state);
  }
  w.ordered = p.ordered;
  ErasedWorkload erased = Erase(std::move(w));
  erased.encode = [size = p.size](const void* record, std::string* out) {
    EncodeRecord(*static_cast<const Record*>(record), size, out);
  };
  erased.decode = [size = p.size](absl::string_view bytes, void* record) {
    return DecodeRecord(std::string_view(bytes.data(), bytes.size()), size,
                        static_cast<Record*>(record));
  };
  return erased;
}

absl::StatusOr<Subject> PresetSubject(const std::string& name) {
  for (const Preset& preset : Presets()) {
    if (name != preset.name) continue;
    WorkloadParams params = preset.params;
    IoMode io_mode = preset.io_mode;
    if (absl::Status applied = ApplyFlags(&params, &io_mode); !applied.ok()) return applied;
    Subject subject;
    const bool waits = params.io_wait_ns > 0;
    if (!waits || io_mode != IoMode::kBlock) {
      subject.workloads.push_back(SyntheticWorkload(name, preset.description, params, false));
    }
    if (waits && io_mode != IoMode::kPark) {
      subject.workloads.push_back(SyntheticWorkload(name, preset.description, params, true));
    }
    for (std::size_t i = 0; i < subject.workloads.size(); ++i) {
      const bool blocking = waits && (io_mode == IoMode::kBlock || i == 1);
      for (DesignSpec spec : DesignsFor(subject.workloads[i])) {
        if (blocking) {
          spec.name += "/block";
          spec.description += "; the wait blocks the thread, through troupe::Blocking";
        }
        subject.cases.push_back({std::move(spec), static_cast<int>(i)});
      }
    }
    if (waits && io_mode != IoMode::kPark) {
      subject.notes.push_back(
          "boost.fiber has no /block rows: it cannot hand a blocked thread's fibers to "
          "another thread, so a blocking call stalls its scheduler thread.");
    }
    subject.workloads[0].records = preset.records;
    subject.peer_flags = PeerFlags(params);
    subject.parameters = DescribeParams(params, io_mode);
    subject.record_bytes = params.size;
    subject.default_parallelism = preset.parallelism;
    subject.default_rate = preset.rate;
    subject.default_burst = preset.burst;
    return subject;
  }
  return absl::InvalidArgumentError(absl::StrCat("--workload must be one of ",
                                                 absl::StrJoin(PresetNames(), ", "), "; got \"",
                                                 name, "\""));
}

absl::StatusOr<Subject> PresetSubjectFromFlags() {
  return PresetSubject(absl::GetFlag(FLAGS_workload));
}

}  // namespace troupe::benchmarks
