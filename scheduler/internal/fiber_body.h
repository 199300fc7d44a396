// FiberBody: the callable a fiber runs, stored inside the fiber's record.
//
// absl::AnyInvocable keeps only 16 bytes inline, so most lambdas (a few captured
// references and values) would cost a heap allocation and a free per spawn. A body
// of up to kInlineSize bytes (six pointers' worth of captures) lives in the record
// itself; larger ones go to the heap.
#ifndef TROUPE_SCHEDULER_INTERNAL_FIBER_BODY_H_
#define TROUPE_SCHEDULER_INTERNAL_FIBER_BODY_H_

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace troupe::scheduler_internal {

class FiberBody {
 public:
  static constexpr std::size_t kInlineSize = 48;

  FiberBody() = default;
  FiberBody(const FiberBody&) = delete;
  FiberBody& operator=(const FiberBody&) = delete;
  ~FiberBody() { Reset(); }

  // Precondition: empty. Stores a copy (or the moved value) of `callable`.
  template <typename Callable>
  void Emplace(Callable&& callable) {
    using Stored = std::decay_t<Callable>;
    static_assert(std::is_invocable_v<Stored&&>,
                  "a fiber body must be callable with no arguments");
    if constexpr (sizeof(Stored) <= kInlineSize &&
                  alignof(Stored) <= alignof(std::max_align_t)) {
      new (storage_) Stored(std::forward<Callable>(callable));
      run_ = [](FiberBody& body) { std::move(*body.Inline<Stored>())(); };
      destroy_ = [](FiberBody& body) { body.Inline<Stored>()->~Stored(); };
    } else {
      Stored* heap = new Stored(std::forward<Callable>(callable));
      new (storage_) Stored*(heap);
      run_ = [](FiberBody& body) { std::move(**body.Inline<Stored*>())(); };
      destroy_ = [](FiberBody& body) { delete *body.Inline<Stored*>(); };
    }
  }

  // Precondition: not empty. Runs the body once.
  void Run() { run_(*this); }

  // Destroys the stored callable (and what it captured), if any.
  void Reset() {
    if (destroy_ == nullptr) return;
    destroy_(*this);
    run_ = nullptr;
    destroy_ = nullptr;
  }

 private:
  template <typename T>
  T* Inline() {
    return std::launder(reinterpret_cast<T*>(storage_));
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineSize];
  void (*run_)(FiberBody&) = nullptr;
  void (*destroy_)(FiberBody&) = nullptr;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FIBER_BODY_H_
