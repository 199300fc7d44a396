#include "troupe/benchmarks/savina/scale_harness.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/peer_program.h"

ABSL_FLAG(int64_t, count, 1'000'000, "actors or fibers alive at once");
ABSL_FLAG(int, procs, 2, "worker threads");

namespace troupe::savina {

ScaleConfig ScaleConfigFromFlagsOrExit(const char* program) {
  ScaleConfig config{absl::GetFlag(FLAGS_count), absl::GetFlag(FLAGS_procs)};
  std::string error;
  if (config.count < 1 || config.count > 100'000'000) {
    error = absl::StrCat("--count must be in [1, 100000000]; got ", config.count);
  } else if (config.procs < 1 || config.procs > 1024) {
    error = absl::StrCat("--procs must be in [1, 1024]; got ", config.procs);
  }
  if (!error.empty()) {
    std::fprintf(stderr, "%s: %s\n", program, error.c_str());
    std::exit(2);
  }
  return config;
}

int64_t ResidentBytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  long long size = 0, resident = 0;
  const bool read = statm != nullptr && std::fscanf(statm, "%lld %lld", &size, &resident) == 2;
  if (statm != nullptr) std::fclose(statm);
  if (!read) {
    std::fprintf(stderr, "scale: cannot read /proc/self/statm\n");
    std::exit(1);
  }
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

int MeasureInChild(const char* name, int64_t count,
                   absl::FunctionRef<int(ScaleProgress& progress)> measure) {
  // Shared with the child: it survives the child's death.
  void* shared = mmap(nullptr, sizeof(ScaleProgress), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    std::fprintf(stderr, "scale: mmap: %s\n", std::strerror(errno));
    return 1;
  }
  auto* progress = new (shared) ScaleProgress();
  std::fflush(stdout);
  const pid_t child = fork();
  if (child < 0) {
    std::fprintf(stderr, "scale: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (child == 0) EndChild(measure(*progress));  // if it returned without ending itself
  int wait_status = 0;
  while (waitpid(child, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "scale: waitpid: %s\n", std::strerror(errno));
      return 1;
    }
  }
  if (WIFEXITED(wait_status) &&
      (WEXITSTATUS(wait_status) == 0 || WEXITSTATUS(wait_status) == kUnfinished)) {
    return WEXITSTATUS(wait_status);  // the child reported
  }
  const std::string reason =
      WIFSIGNALED(wait_status)
          ? absl::StrCat("signal ", WTERMSIG(wait_status), " (", strsignal(WTERMSIG(wait_status)),
                         ")")
          : absl::StrCat("exit status ", WEXITSTATUS(wait_status));
  std::printf("name=%s items=%lld status=died created=%lld ran=%lld reason=\"%s\"\n", name,
              static_cast<long long>(count),
              static_cast<long long>(progress->created.load(std::memory_order_relaxed)),
              static_cast<long long>(progress->ran.load(std::memory_order_relaxed)),
              reason.c_str());
  std::fflush(stdout);
  return kUnfinished;
}

void EndChild(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

int ReportStalled(const char* name, int64_t count, const ScaleProgress& progress,
                  const std::string& reason) {
  std::printf("name=%s items=%lld status=stalled created=%lld ran=%lld reason=\"%s\"\n", name,
              static_cast<long long>(count),
              static_cast<long long>(progress.created.load(std::memory_order_relaxed)),
              static_cast<long long>(progress.ran.load(std::memory_order_relaxed)),
              reason.c_str());
  std::fflush(stdout);
  return kUnfinished;
}

void ReportScale(const char* name, int64_t count, std::chrono::steady_clock::duration elapsed,
                 int64_t resident_growth) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::printf("name=%s items=%lld seconds=%.6f items_per_second=%s bytes_per_item=%lld\n", name,
              static_cast<long long>(count), seconds,
              benchmarks::FormatRate(static_cast<double>(count) / seconds).c_str(),
              static_cast<long long>(resident_growth / count));
  std::fflush(stdout);
}

}  // namespace troupe::savina
