// ThreadSanitizer setup for troupe's tests (bazel/troupe.bzl links this into every
// test; no library gets it) and for consumers' TSan tests that link it (README:
// "Sanitizers in your project").
//
// Debian's abseil is not built with ThreadSanitizer, so the atomic reference count
// inside absl::Status is invisible to it: a status with a message, shared by copies
// on several threads, looks like a race on its heap payload when the last copy frees
// it (a read by an earlier holder, the delete by the last one). A suppression cannot
// name that free: the library's Status::UnrefNonInlined reaches operator delete by a
// tail call, so the report's stack shows only the function that dropped the last
// copy. Instead this file defines Status::UnrefNonInlined itself, compiled with
// TSan, and is linked into the test executable itself (linkstatic): abseil is a
// shared library that calls the function through its PLT, so the executable's
// definition serves every release, and TSan sees the count's acquire and release. (In
// a shared library loaded after libabsl_status it would not.) It mirrors abseil
// 20220623's own definition (status.cc) and is used only with that release's headers;
// a statically linked abseil would fail to link loudly (a duplicate symbol), not
// silently.
//
// Debian's libnats (the NATS C client, //remote) is not instrumented either: its
// connections and subscriptions are reference-counted with its own atomics, so
// the last release, which destroys the object's mutex and condition variable
// (natsConn_release, natsSub_release), looks like a race with the earlier holder's
// lock. Only those destroy paths are suppressed; TSan asks for the suppressions
// through __tsan_default_suppressions.
#if defined(__SANITIZE_THREAD__)  // g++
#define TROUPE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)  // clang
#define TROUPE_TSAN 1
#endif
#endif

#if defined(TROUPE_TSAN)

#include <atomic>
#include <cstdint>

#include "absl/base/config.h"
#include "absl/status/status.h"

#if ABSL_LTS_RELEASE_VERSION == 20220623
namespace absl {
ABSL_NAMESPACE_BEGIN

void Status::UnrefNonInlined(uintptr_t rep) {
  status_internal::StatusRep* payload = RepToPointer(rep);
  // acquire on the sole owner's load and acq_rel on the decrement: every holder's use
  // of the payload happens before the last one deletes it.
  if (payload->ref.load(std::memory_order_acquire) == 1 ||
      payload->ref.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete payload;
  }
}

ABSL_NAMESPACE_END
}  // namespace absl
#define TROUPE_STATUS_SUPPRESSION ""
#else
// Another abseil: no definition of ours (its Status may differ); the old suppression
// instead, which helps only where that build leaves UnrefNonInlined on the free's
// stack (Debian's 20220623 does not: a tail call).
#define TROUPE_STATUS_SUPPRESSION "race:absl::*::Status::UnrefNonInlined\n"
#endif

extern "C" const char* __tsan_default_suppressions() {
  return TROUPE_STATUS_SUPPRESSION
         "race:natsMutex_Destroy\n"
         "race:natsCondition_Destroy\n"
         "race:natsConn_release\n"
         "race:natsSub_release\n";
}

#endif
