// Shared helpers for troupe's scheduler tests: a fixture parameterised over the
// number of processors that checks, at teardown, that every fiber finished.
#ifndef TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_
#define TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::testing {

// ThreadSanitizer counts every live fiber as a thread and allows about 8,000; tests
// that keep many fibers alive at once scale down under the sanitizers.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kManyFibers = 2'000;
#else
inline constexpr int kManyFibers = 10'000;
#endif

class RuntimeTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto runtime = Runtime::Create({.procs = GetParam()});
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  void TearDown() override {
    if (runtime_ == nullptr) return;
    const RuntimeStats stats = runtime_->Stats();
    EXPECT_EQ(stats.fibers_alive(), 0u) << "fibers left running: " << stats.ToString();
    runtime_.reset();
  }

  // Runs `body` as the main fiber and expects it to finish cleanly.
  template <typename F>
  void RunInFiber(F&& body) {
    absl::Status status = runtime_->Run(std::forward<F>(body));
    ASSERT_TRUE(status.ok()) << status;
  }

  Runtime& runtime() { return *runtime_; }

 private:
  std::unique_ptr<Runtime> runtime_;
};

inline std::string ProcsName(const ::testing::TestParamInfo<int>& info) {
  return "procs" + std::to_string(info.param);
}

#define TROUPE_INSTANTIATE_OVER_PROCS(Fixture) \
  INSTANTIATE_TEST_SUITE_P(Procs, Fixture, ::testing::Values(1, 2, 4), \
                           ::troupe::testing::ProcsName)

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_
