// DynamicSelect::Run: plans the enabled cases into the engine's form (select_engine.h)
// in vectors kept between runs, runs the engine, and fires the winner.
#include "troupe/scheduler/dynamic_select.h"

#include <algorithm>

#include "troupe/scheduler/internal/clock.h"

namespace troupe {

int DynamicSelect::Run() {
  engine_cases_.clear();
  engine_to_case_.clear();
  int default_case = -1;
  int timeout_case = -1;
  int64_t deadline_ns = 0;
  const int64_t now_ns = scheduler_internal::MonotonicNanos();
  for (int i = 0; i < size(); ++i) {
    CaseBase& c = *cases_[i];
    if (!c.enabled) continue;
    switch (c.kind) {
      case Kind::kDefault:
        default_case = i;
        continue;
      case Kind::kTimeout: {
        const int64_t at = now_ns + std::max<int64_t>(0, absl::ToInt64Nanoseconds(c.timeout));
        if (timeout_case < 0 || at < deadline_ns) {
          timeout_case = i;
          deadline_ns = at == 0 ? 1 : at;
        }
        continue;
      }
      case Kind::kChannel:
      case Kind::kDone: {
        scheduler_internal::SelectCase planned;
        if (!c.Plan(planned)) continue;
        engine_cases_.push_back(planned);
        engine_to_case_.push_back(i);
        continue;
      }
    }
  }
  const std::size_t count = engine_cases_.size();
  if (nodes_.size() < count) nodes_.resize(count);
  if (order_.size() < count) order_.resize(count);
  if (queued_size_ < count) {
    queued_ = std::make_unique<bool[]>(count);
    queued_size_ = count;
  }
  const scheduler_internal::SelectScratch scratch{nodes_.data(), order_.data(), queued_.get()};
  const int result = scheduler_internal::RunSelect(engine_cases_.data(), scratch,
                                                   static_cast<int>(count),
                                                   default_case >= 0, deadline_ns);
  int fired = -1;
  if (result >= 0) {
    fired = engine_to_case_[result];
    cases_[fired]->Fire(engine_cases_[result].outcome);
  } else if (result == scheduler_internal::kSelectDefault) {
    fired = default_case;
    cases_[fired]->Fire(0);
  } else if (result == scheduler_internal::kSelectTimeout) {
    fired = timeout_case;
    cases_[fired]->Fire(0);
  }
  return fired;
}

}  // namespace troupe
