#!/usr/bin/env bash
# What a user's #include of a public troupe header drags along. For every public
# header (a .h at the root of scheduler/, actors/, pipeline/, net/, profiling/, remote/, metrics/ or tracing/), the compiler's
# -M lists every header it reaches; the test fails if that includes
#   - the scheduler's machinery: the scheduler, its Ps and Ms, run queues, the
#     monitor's wake placement, signal and guard-page handlers (scheduling_internal);
#   - the netpoller or epoll (netpoll_internal, <sys/epoll.h>);
# and, for the blocking primitives and TCP, any internal header beyond the four
# small ones their templates and members need (spin lock, wait protocol, wait
# queue, wake reason).
# It uses the system's C++ compiler ($CXX, else g++) on the headers as the user sees
# them: an include directory whose troupe/<package> is the package's headers.
set -euo pipefail

root="${TEST_SRCDIR}/${TEST_WORKSPACE}"
include_dir="${TEST_TMPDIR}/include"
mkdir -p "$include_dir/troupe"
for package in scheduler actors pipeline net profiling remote metrics tracing; do
  ln -sfn "$root/$package" "$include_dir/troupe/$package"
done

forbidden='^troupe/scheduler/internal/(scheduler|machine|processor|local_run_queue|global_run_queue|wake_placement|sigquit_dump|guard_page_handler|net_poller)\.h$|/sys/epoll\.h$'
light_internals='^troupe/scheduler/internal/(spin_lock|wait_protocol|wait_queue|wake_reason)\.h$'
light_headers=" scheduler/mutex.h scheduler/condition_variable.h scheduler/semaphore.h scheduler/wait_group.h net/tcp.h "

failures=0
checked=0
for header in "$root"/{scheduler,actors,pipeline,net,profiling,remote,metrics,tracing}/*.h; do
  public="${header#"$root"/}"
  reached=$(printf '#include "troupe/%s"\n' "$public" |
    "${CXX:-g++}" -std=c++17 -M -I"$include_dir" -x c++ - -o - |
    tr ' \\' '\n\n' | sed "/^\$/d; /:\$/d; s|^$include_dir/||")
  checked=$((checked + 1))
  if bad=$(grep -E "$forbidden" <<<"$reached"); then
    echo "FAIL: troupe/$public reaches the scheduler's or the poller's internals:" >&2
    sed 's/^/    /' <<<"$bad" >&2
    failures=$((failures + 1))
  fi
  if [[ "$light_headers" == *" $public "* ]]; then
    internals=$(grep '^troupe/.*/internal/' <<<"$reached" || true)
    if extra=$(grep -vE "$light_internals" <<<"$internals" | grep .); then
      echo "FAIL: troupe/$public reaches internal headers beyond the wait queue's:" >&2
      sed 's/^/    /' <<<"$extra" >&2
      failures=$((failures + 1))
    fi
  fi
done

if ((checked < 20)); then
  echo "FAIL: only $checked public headers found under $root" >&2
  exit 1
fi
if ((failures > 0)); then exit 1; fi
echo "public_headers_test: $checked public headers checked"
