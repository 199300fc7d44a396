#include "troupe/scheduler/internal/fatal.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace troupe::scheduler_internal {

void Fatal(const char* function, const char* format, ...) {
  char line[1024];
  int length = std::snprintf(line, sizeof line, "troupe: fatal error in %s: ", function);
  if (length < 0 || length >= static_cast<int>(sizeof line)) length = 0;
  va_list arguments;
  va_start(arguments, format);
  std::vsnprintf(line + length, sizeof line - length, format, arguments);
  va_end(arguments);
  length = static_cast<int>(std::strlen(line));
  if (length < static_cast<int>(sizeof line) - 1) line[length++] = '\n';
  // Straight to stderr, not through the log sink (log.h): a broken invariant may
  // leave the heap or a lock in any state, and the sink allocates, takes a lock and
  // may be the user's code that broke; the last words must not depend on them.
  // One write(2), so that the line is not interleaved with other threads' output.
  ssize_t ignored = write(STDERR_FILENO, line, length);
  (void)ignored;
  std::abort();
}

}  // namespace troupe::scheduler_internal
