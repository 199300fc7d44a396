// CommandOutput: runs a peer program through the shell and returns what it printed,
// for the benchmarks that run their peers in the same run (compare, remote).
#ifndef TROUPE_BENCHMARKS_COMMON_COMMAND_OUTPUT_H_
#define TROUPE_BENCHMARKS_COMMON_COMMAND_OUTPUT_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace troupe::benchmarks {

// Any thread; blocks until `command` exits. Its standard output, or Unavailable if
// it could not start, or Internal with its exit status if that is not 0 (its
// standard error goes to ours).
inline absl::StatusOr<std::string> CommandOutput(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::UnavailableError(absl::StrCat("cannot start: ", command));
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  if (const int status = pclose(pipe); status != 0) {
    return absl::InternalError(absl::StrCat("exited with status ", status, ": ", command));
  }
  return output;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMMON_COMMAND_OUTPUT_H_
