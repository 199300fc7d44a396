#include "troupe/scheduler/internal/timer_heap.h"

namespace troupe::scheduler_internal {

void TimerHeap::Place(std::size_t index, TimerEntry* entry) {
  heap_[index] = entry;
  entry->index = static_cast<int32_t>(index);
}

void TimerHeap::SiftUp(std::size_t index) {
  TimerEntry* moving = heap_[index];
  while (index > 0) {
    std::size_t parent = (index - 1) / 2;
    if (heap_[parent]->deadline_ns <= moving->deadline_ns) break;
    Place(index, heap_[parent]);
    index = parent;
  }
  Place(index, moving);
}

void TimerHeap::SiftDown(std::size_t index) {
  TimerEntry* moving = heap_[index];
  const std::size_t size = heap_.size();
  while (true) {
    std::size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && heap_[child + 1]->deadline_ns < heap_[child]->deadline_ns) {
      ++child;
    }
    if (moving->deadline_ns <= heap_[child]->deadline_ns) break;
    Place(index, heap_[child]);
    index = child;
  }
  Place(index, moving);
}

void TimerHeap::PublishEarliest() {
  // release; pairs with the acquire in earliest_ns().
  earliest_ns_.store(heap_.empty() ? 0 : heap_.front()->deadline_ns,
                     std::memory_order_release);
}

void TimerHeap::Add(TimerEntry* entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  AddLocked(entry);
}

void TimerHeap::AddLocked(TimerEntry* entry) {
  entry->heap.store(this, std::memory_order_relaxed);  // under the lock
  heap_.push_back(entry);
  SiftUp(heap_.size() - 1);
  PublishEarliest();
}

void TimerHeap::RemoveAt(std::size_t index) {
  TimerEntry* removed = heap_[index];
  removed->index = -1;
  // Last access to `removed`. release: the owner's Remove may see null without taking
  // our lock; its acquire load then orders all our accesses to the entry (here and in
  // TakeExpired) before its next arming of it.
  removed->heap.store(nullptr, std::memory_order_release);
  TimerEntry* last = heap_.back();
  heap_.pop_back();
  if (index < heap_.size()) {
    Place(index, last);
    SiftDown(index);
    SiftUp(static_cast<std::size_t>(last->index));
  }
}

bool TimerHeap::Remove(TimerEntry* entry) {
  // `heap` changes only under the lock of the heap it names, so an unlocked read sees
  // either the heap the entry is (or was) in, or null; the re-check under that heap's
  // lock decides. (A callback timer being fired is out of the heap but its callback
  // runs under the lock, and may re-arm it: so the loop.)
  // A callback timer being fired still names its heap (TakeExpired), so Remove waits
  // for the callback by taking that lock, then finds the entry re-armed or disarmed.
  while (true) {
    // acquire; pairs with the release stores in RemoveAt and TakeExpired.
    TimerHeap* heap = entry->heap.load(std::memory_order_acquire);
    if (heap == nullptr) return false;
    std::lock_guard<std::mutex> lock(heap->mutex_);
    if (entry->heap.load(std::memory_order_relaxed) != heap) continue;  // fired meanwhile
    heap->RemoveAt(static_cast<std::size_t>(entry->index));
    heap->PublishEarliest();
    return true;
  }
}

int TimerHeap::TakeExpired(int64_t now_ns, std::vector<Expired>& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  int fired = 0;
  while (!heap_.empty() && heap_.front()->deadline_ns <= now_ns) {
    TimerEntry* entry = heap_.front();
    RemoveAt(0);
    if (entry->fire != nullptr) {
      // While it fires, the entry names this heap (index -1), so that a Remove waits
      // for the callback on our lock (see Remove).
      entry->heap.store(this, std::memory_order_relaxed);
      entry->fire(entry, *this, now_ns);
      // release; pairs with Remove's acquire, as in RemoveAt.
      if (entry->index < 0) entry->heap.store(nullptr, std::memory_order_release);
      ++fired;
    } else {
      out.push_back(Expired{entry->fiber, entry->token});
    }
  }
  PublishEarliest();
  return fired;
}

void TimerHeap::DisarmCallbacks() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TimerEntry*> callbacks;
  for (TimerEntry* entry : heap_) {
    if (entry->fire != nullptr) callbacks.push_back(entry);
  }
  for (TimerEntry* entry : callbacks) RemoveAt(static_cast<std::size_t>(entry->index));
  PublishEarliest();
  for (TimerEntry* entry : callbacks) entry->fire(entry, *this, kShuttingDown);
}

std::size_t TimerHeap::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return heap_.size();
}

}  // namespace troupe::scheduler_internal
