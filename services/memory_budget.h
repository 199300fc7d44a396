// MemoryBudget: a server-wide cap on bytes held for one purpose (request bodies in
// flight), shared by every connection. A reservation is an RAII handle: the bytes
// go back to the budget when it is destroyed, so a connection that dies mid-body
// returns what it held.
//
// Memory ordering: the budget is a counter, not a publication: every operation is
// relaxed. A reservation only has to be counted exactly once (the CAS loop in
// TryReserve never overshoots the limit); nothing else is ordered by it.
#ifndef TROUPE_SERVICES_MEMORY_BUDGET_H_
#define TROUPE_SERVICES_MEMORY_BUDGET_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace troupe::services {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t limit_bytes) : limit_(limit_bytes) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Bytes held by live reservations.
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

  // Reserves `bytes` if the budget has room; false (and nothing reserved) if not.
  // Any thread.
  bool TryReserve(std::size_t bytes) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > limit_ - std::min(used, limit_)) return false;
      // relaxed: a counter (see the banner).
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
  }
  void Release(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

// Bytes held from a MemoryBudget (or none); gives them back when destroyed.
class BudgetReservation {
 public:
  BudgetReservation() = default;
  BudgetReservation(BudgetReservation&& other) noexcept
      : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  BudgetReservation& operator=(BudgetReservation&& other) noexcept {
    if (this != &other) {
      Reset();
      budget_ = std::exchange(other.budget_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  ~BudgetReservation() { Reset(); }

  // Adds `bytes` from `budget` (the same budget every time); false if it has no room.
  bool Grow(MemoryBudget& budget, std::size_t bytes) {
    if (!budget.TryReserve(bytes)) return false;
    budget_ = &budget;
    bytes_ += bytes;
    return true;
  }
  void Reset() {
    if (budget_ != nullptr && bytes_ != 0) budget_->Release(bytes_);
    bytes_ = 0;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  MemoryBudget* budget_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_MEMORY_BUDGET_H_
