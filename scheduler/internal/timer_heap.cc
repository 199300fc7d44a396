#include "troupe/scheduler/internal/timer_heap.h"

namespace troupe::scheduler_internal {

void TimerHeap::Place(std::size_t index, Fiber* fiber) {
  heap_[index] = fiber;
  fiber->timer.index = static_cast<int32_t>(index);
}

void TimerHeap::SiftUp(std::size_t index) {
  Fiber* moving = heap_[index];
  while (index > 0) {
    std::size_t parent = (index - 1) / 2;
    if (heap_[parent]->timer.deadline_ns <= moving->timer.deadline_ns) break;
    Place(index, heap_[parent]);
    index = parent;
  }
  Place(index, moving);
}

void TimerHeap::SiftDown(std::size_t index) {
  Fiber* moving = heap_[index];
  const std::size_t size = heap_.size();
  while (true) {
    std::size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && heap_[child + 1]->timer.deadline_ns < heap_[child]->timer.deadline_ns) {
      ++child;
    }
    if (moving->timer.deadline_ns <= heap_[child]->timer.deadline_ns) break;
    Place(index, heap_[child]);
    index = child;
  }
  Place(index, moving);
}

void TimerHeap::PublishEarliest() {
  // release; pairs with the acquire in earliest_ns().
  earliest_ns_.store(heap_.empty() ? 0 : heap_.front()->timer.deadline_ns,
                     std::memory_order_release);
}

void TimerHeap::Add(Fiber* fiber) {
  std::lock_guard<std::mutex> lock(mutex_);
  fiber->timer.heap.store(this, std::memory_order_relaxed);  // under the lock
  heap_.push_back(fiber);
  SiftUp(heap_.size() - 1);
  PublishEarliest();
}

void TimerHeap::RemoveAt(std::size_t index) {
  Fiber* removed = heap_[index];
  removed->timer.index = -1;
  // Last access to `removed`. release: the owning fiber's Remove may see null without
  // taking our lock; its acquire load then orders all our accesses to the timer
  // (here and in TakeExpired) before its next arming of it.
  removed->timer.heap.store(nullptr, std::memory_order_release);
  Fiber* last = heap_.back();
  heap_.pop_back();
  if (index < heap_.size()) {
    Place(index, last);
    SiftDown(index);
    SiftUp(static_cast<std::size_t>(last->timer.index));
  }
}

void TimerHeap::Remove(Fiber* fiber) {
  // `timer.heap` changes only under the lock of the heap it names, and only this
  // fiber arms it, so an unlocked read sees either the heap the timer is (or was) in,
  // or null; the re-check under that heap's lock decides.
  // acquire; pairs with the release store in RemoveAt (a timer that fired).
  TimerHeap* heap = fiber->timer.heap.load(std::memory_order_acquire);
  if (heap == nullptr) return;
  std::lock_guard<std::mutex> lock(heap->mutex_);
  if (fiber->timer.heap.load(std::memory_order_relaxed) != heap) return;  // fired
  heap->RemoveAt(static_cast<std::size_t>(fiber->timer.index));
  heap->PublishEarliest();
}

void TimerHeap::TakeExpired(int64_t now_ns, std::vector<Expired>& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!heap_.empty() && heap_.front()->timer.deadline_ns <= now_ns) {
    Fiber* fiber = heap_.front();
    out.push_back(Expired{fiber, fiber->timer.token});
    RemoveAt(0);
  }
  PublishEarliest();
}

std::size_t TimerHeap::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return heap_.size();
}

}  // namespace troupe::scheduler_internal
