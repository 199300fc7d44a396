#include "troupe/scheduler/internal/timer_heap.h"

#include <algorithm>

namespace troupe::scheduler_internal {

void TimerHeap::Place(std::size_t index, Node node) {
  heap_[index] = node;
  node.entry->index = static_cast<int32_t>(index);
}

void TimerHeap::SiftUp(std::size_t index) {
  const Node moving = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / kArity;
    if (heap_[parent].deadline_ns <= moving.deadline_ns) break;
    Place(index, heap_[parent]);
    index = parent;
  }
  Place(index, moving);
}

void TimerHeap::SiftDown(std::size_t index) {
  const Node moving = heap_[index];
  const std::size_t size = heap_.size();
  while (true) {
    const std::size_t first = kArity * index + 1;
    if (first >= size) break;
    const std::size_t end = std::min(first + kArity, size);
    std::size_t least = first;
    for (std::size_t child = first + 1; child < end; ++child) {
      if (heap_[child].deadline_ns < heap_[least].deadline_ns) least = child;
    }
    if (moving.deadline_ns <= heap_[least].deadline_ns) break;
    Place(index, heap_[least]);
    index = least;
  }
  Place(index, moving);
}

void TimerHeap::PublishEarliest() {
  // release; pairs with the acquire in earliest_ns().
  earliest_ns_.store(heap_.empty() ? 0 : heap_.front().deadline_ns, std::memory_order_release);
}

void TimerHeap::Add(TimerEntry* entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  AddLocked(entry);
}

void TimerHeap::AddLocked(TimerEntry* entry) {
  entry->heap.store(this, std::memory_order_relaxed);  // under the lock
  heap_.push_back(Node{entry->deadline_ns, entry});
  SiftUp(heap_.size() - 1);
  PublishEarliest();
}

void TimerHeap::Unlink(std::size_t index) {
  heap_[index].entry->index = -1;
  const Node last = heap_.back();
  heap_.pop_back();
  if (index < heap_.size()) {
    Place(index, last);
    SiftDown(index);
    SiftUp(static_cast<std::size_t>(last.entry->index));
  }
}

void TimerHeap::Release(TimerEntry* entry) {
  // Our last access to `entry`. release: the owner's Remove may see null without
  // taking our lock; its acquire load then orders all our accesses to the entry
  // (here, in TakeExpired, in DisarmCallbacks) before its next arming of it.
  entry->heap.store(nullptr, std::memory_order_release);
}

bool TimerHeap::Remove(TimerEntry* entry) {
  // `heap` changes only under the lock of the heap it names, so an unlocked read sees
  // either the heap the entry is (or was) in, or null; the re-check under that heap's
  // lock decides. (A callback timer being fired is out of the heap but its callback
  // runs under the lock, and may re-arm it: so the loop.)
  // A callback timer being fired still names its heap (TakeExpired), so Remove waits
  // for the callback by taking that lock, then finds the entry re-armed or disarmed.
  while (true) {
    // acquire; pairs with the release store in Release.
    TimerHeap* heap = entry->heap.load(std::memory_order_acquire);
    if (heap == nullptr) return false;
    std::lock_guard<std::mutex> lock(heap->mutex_);
    if (entry->heap.load(std::memory_order_relaxed) != heap) continue;  // fired meanwhile
    heap->Unlink(static_cast<std::size_t>(entry->index));
    heap->Release(entry);
    heap->PublishEarliest();
    return true;
  }
}

int TimerHeap::TakeExpired(int64_t now_ns, std::vector<Expired>& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  int fired = 0;
  for (int taken = 0; taken < kMaxExpiredPerTake; ++taken) {
    if (heap_.empty() || heap_.front().deadline_ns > now_ns) break;
    TimerEntry* entry = heap_.front().entry;
    // The entry keeps naming this heap until we are done with it (Release): a
    // fiber's next wait rewrites its token, and a callback timer's Remove must wait
    // for the callback on our lock.
    Unlink(0);
    if (entry->fire != nullptr) {
      entry->fire(entry, *this, now_ns);  // may re-arm it (AddLocked)
      if (entry->index < 0) Release(entry);
      ++fired;
    } else {
      out.push_back(Expired{entry->fiber, entry->token});
      Release(entry);
    }
  }
  PublishEarliest();
  return fired;
}

void TimerHeap::DisarmCallbacks() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TimerEntry*> callbacks;
  for (const Node& node : heap_) {
    if (node.entry->fire != nullptr) callbacks.push_back(node.entry);
  }
  // Released before their callbacks run: a shutdown callback may drop the last
  // reference to its owner, whose destructor's Remove must then find it disarmed
  // (and not wait for this lock, which we hold). Owners keep themselves alive while
  // armed, so a released entry still exists when its callback runs.
  for (TimerEntry* entry : callbacks) {
    Unlink(static_cast<std::size_t>(entry->index));
    Release(entry);
  }
  PublishEarliest();
  for (TimerEntry* entry : callbacks) entry->fire(entry, *this, kShuttingDown);
}

std::size_t TimerHeap::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return heap_.size();
}

}  // namespace troupe::scheduler_internal
