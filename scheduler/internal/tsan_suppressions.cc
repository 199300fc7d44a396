// ThreadSanitizer suppressions compiled into every troupe binary built with
// -fsanitize=thread (TSan asks for them through __tsan_default_suppressions).
//
// Debian's abseil is not built with ThreadSanitizer, so the atomic reference count
// inside absl::Status is invisible to it: a status with a message, copied between
// fibers and released last on another thread, looks like a race on its heap payload
// (a read by an earlier holder, the delete by the last one). Only that release path
// is suppressed.
#if defined(__SANITIZE_THREAD__)

extern "C" const char* __tsan_default_suppressions() {
  return "race:absl::*::Status::UnrefNonInlined\n";
}

#endif
