// NodeProcesses: the other processes of a comparison spread over processes
// (--nodes, node_comparison.h) — copies of this binary, started with extra flags,
// that live exactly as long as the coordinator wants them and never longer.
//
// Each child is forked and exec'd from /proc/self/exe with the coordinator's own
// arguments plus the ones given, its stdin the read end of a pipe the coordinator
// holds, and the kernel's parent-death signal set to SIGKILL. A child ends when:
//   1. the coordinator calls Stop (or destroys NodeProcesses): the pipe closes, the
//      child sees end of file on stdin (WaitForCoordinatorExit) and exits; one that
//      has not exited within a bound is killed (SIGKILL) and reaped;
//   2. the coordinator dies without Stop (a crash): the pipe closes too, and the
//      parent-death signal kills any child that no longer reads it.
// So no run, however it ends, leaves a child behind.
#ifndef TROUPE_BENCHMARKS_COMPARE_NODE_PROCESSES_H_
#define TROUPE_BENCHMARKS_COMPARE_NODE_PROCESSES_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace troupe::benchmarks {

class NodeProcesses {
 public:
  NodeProcesses() = default;
  ~NodeProcesses() { Stop(); }
  NodeProcesses(const NodeProcesses&) = delete;
  NodeProcesses& operator=(const NodeProcesses&) = delete;

  // Any thread. Starts one child running this binary with `arguments` (argv[1...]);
  // Internal with the system call's error if it cannot.
  [[nodiscard]] absl::Status Start(const std::vector<std::string>& arguments);
  // Any thread. OK while every child runs; Unavailable naming the first that
  // exited, with its status.
  [[nodiscard]] absl::Status CheckAlive();
  // Any thread. Closes every child's stdin, waits up to `bound` for each to exit,
  // kills (SIGKILL) and reaps the rest. Idempotent.
  void Stop(absl::Duration bound = absl::Seconds(10));

  int size() const { return static_cast<int>(children_.size()); }

 private:
  struct Child {
    pid_t pid = -1;
    int stdin_fd = -1;  // the write end of the child's stdin
    bool exited = false;
    int status = 0;
  };
  std::vector<Child> children_;
};

// In a child: blocks the calling thread until stdin reaches end of file (the
// coordinator stopped or died). Call it through troupe::Blocking from a fiber.
void WaitForCoordinatorExit();

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_NODE_PROCESSES_H_
