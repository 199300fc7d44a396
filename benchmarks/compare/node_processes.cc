// The coordinator's child processes (node_processes.h).
//
// Between fork and exec the child of a multithreaded process may only make
// async-signal-safe calls: it sets its parent-death signal, checks that the parent
// is still the one that forked it (it may have died before the prctl, which would
// then never fire), moves the pipe's read end to stdin and execs. The argument
// strings are built before the fork.
#include "troupe/benchmarks/compare/node_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace troupe::benchmarks {

absl::Status NodeProcesses::Start(const std::vector<std::string>& arguments) {
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) {
    return absl::InternalError(absl::StrCat("readlink /proc/self/exe: ", std::strerror(errno)));
  }
  self[length] = '\0';
  std::vector<char*> argv{self};
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(error)));
  }
  if (pid == 0) {
    // The child: async-signal-safe calls only until exec.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    if (dup2(fds[0], STDIN_FILENO) < 0) _exit(127);  // dup2 clears O_CLOEXEC on stdin
    execv(self, argv.data());
    _exit(127);
  }
  close(fds[0]);
  children_.push_back({pid, fds[1]});
  return absl::OkStatus();
}

absl::Status NodeProcesses::CheckAlive() {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    Child& child = children_[i];
    if (!child.exited && waitpid(child.pid, &child.status, WNOHANG) == child.pid) {
      child.exited = true;
    }
    if (child.exited) {
      return absl::UnavailableError(absl::StrCat(
          "node process ", i + 1, " (pid ", child.pid, ") exited: ",
          WIFEXITED(child.status) ? absl::StrCat("status ", WEXITSTATUS(child.status))
                                  : absl::StrCat("signal ", WTERMSIG(child.status))));
    }
  }
  return absl::OkStatus();
}

void NodeProcesses::Stop(absl::Duration bound) {
  for (Child& child : children_) {
    if (child.stdin_fd >= 0) close(child.stdin_fd);
    child.stdin_fd = -1;
  }
  const absl::Time give_up = absl::Now() + bound;
  for (Child& child : children_) {
    while (!child.exited) {
      if (waitpid(child.pid, &child.status, WNOHANG) == child.pid) {
        child.exited = true;
      } else if (absl::Now() > give_up) {
        kill(child.pid, SIGKILL);
        waitpid(child.pid, &child.status, 0);
        child.exited = true;
      } else {
        // Polling a child's exit: nothing to wait on but waitpid itself, which would
        // block past the bound.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  children_.clear();
}

void WaitForCoordinatorExit() {
  char buffer[256];
  while (true) {
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

}  // namespace troupe::benchmarks
