// Fiber labels (fiber_labels.h): the intern table of label sets, and the calling
// fiber's set, held in its record (Fiber::profile_labels).
#include "troupe/scheduler/fiber_labels.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe {

struct LabelSetAccess {
  static LabelSet* New(LabelPairs labels) { return new LabelSet(std::move(labels)); }
};

namespace {

// The interned sets, by content. Never shrinks: sets are immortal (fibers and
// profiles hold plain pointers to them).
struct InternTable {
  std::mutex mutex;
  std::map<LabelPairs, std::unique_ptr<LabelSet>> sets;  // guarded by mutex
};

InternTable& Table() {
  static InternTable* table = new InternTable;  // immortal, like its sets
  return *table;
}

std::atomic<uint64_t> refused{0};

LabelPairs Normalized(LabelPairs labels) {
  // stable: of equal keys the later one stays last, and wins below.
  std::stable_sort(labels.begin(), labels.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  LabelPairs unique;
  for (auto& label : labels) {
    if (!unique.empty() && unique.back().first == label.first) {
      unique.back().second = std::move(label.second);
    } else {
      unique.push_back(std::move(label));
    }
  }
  return unique;
}

}  // namespace

const LabelSet* LabelSet::Intern(LabelPairs labels) {
  labels = Normalized(std::move(labels));
  InternTable& table = Table();
  std::lock_guard<std::mutex> lock(table.mutex);
  auto it = table.sets.find(labels);
  if (it != table.sets.end()) return it->second.get();
  if (table.sets.size() >= kMaxLabelSets) {
    refused.fetch_add(1, std::memory_order_relaxed);  // statistic
    return nullptr;
  }
  LabelSet* set = LabelSetAccess::New(labels);
  table.sets.emplace(std::move(labels), std::unique_ptr<LabelSet>(set));
  return set;
}

LabelSet::LabelSet(LabelPairs labels) : labels_(std::move(labels)) {
  const std::string* name = Find("fiber");
  const std::string* actor = Find("actor");
  const std::string* actor_type = Find("actor_type");
  std::vector<std::string> parts;
  if (name != nullptr) parts.push_back(absl::StrCat("\"", *name, "\""));
  if (actor != nullptr || actor_type != nullptr) {
    std::string part = "actor";
    if (actor != nullptr) absl::StrAppend(&part, " ", *actor);
    if (actor_type != nullptr) absl::StrAppend(&part, " (", *actor_type, ")");
    parts.push_back(std::move(part));
  }
  for (const auto& [key, value] : labels_) {
    if (key != "fiber" && key != "actor" && key != "actor_type") {
      parts.push_back(absl::StrCat(key, "=", value));
    }
  }
  description_ = absl::StrJoin(parts, " ");
}

const std::string* LabelSet::Find(const std::string& key) const {
  for (const auto& [label_key, value] : labels_) {
    if (label_key == key) return &value;
  }
  return nullptr;
}

uint64_t LabelSetsRefused() { return refused.load(std::memory_order_relaxed); }

void SetFiberLabels(const LabelSet* labels) {
  scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  if (self == nullptr) return;
  // release; pairs with the acquire in fiber profiles (another thread reads the set
  // it points to). The CPU profiler's signal handler runs on this thread.
  self->profile_labels.store(labels, std::memory_order_release);
}

const LabelSet* FiberLabels() {
  const scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  if (self == nullptr) return nullptr;
  // relaxed: only this fiber writes it.
  return static_cast<const LabelSet*>(self->profile_labels.load(std::memory_order_relaxed));
}

const LabelSet* MergedWithFiberLabels(LabelPairs added) {
  LabelPairs merged;
  if (const LabelSet* current = FiberLabels()) merged = current->labels();
  merged.insert(merged.end(), std::make_move_iterator(added.begin()),
                std::make_move_iterator(added.end()));
  return LabelSet::Intern(std::move(merged));
}

void SetFiberName(const std::string& name) {
  SetFiberLabels(MergedWithFiberLabels({{"fiber", name}}));
}

}  // namespace troupe
