// ThreadSanitizer suppressions for troupe's own tests (bazel/troupe.bzl links this
// into every test; no library or consumer binary gets it). TSan asks for them
// through __tsan_default_suppressions. A project that links Debian's abseil into a
// TSan build needs the same line (README: "Sanitizers").
//
// Debian's abseil is not built with ThreadSanitizer, so the atomic reference count
// inside absl::Status is invisible to it: a status with a message, copied between
// fibers and released last on another thread, looks like a race on its heap payload
// (a read by an earlier holder, the delete by the last one). Only that release path
// is suppressed.
//
// Debian's libnats (the NATS C client, //remote) is not instrumented either: its
// connections and subscriptions are reference-counted with its own atomics, so
// the last release, which destroys the object's mutex and condition variable
// (natsConn_release, natsSub_release), looks like a race with the earlier holder's
// lock. Only those destroy paths are suppressed.
#if defined(__SANITIZE_THREAD__)

extern "C" const char* __tsan_default_suppressions() {
  return "race:absl::*::Status::UnrefNonInlined\n"
         "race:natsMutex_Destroy\n"
         "race:natsCondition_Destroy\n"
         "race:natsConn_release\n"
         "race:natsSub_release\n";
}

#endif
