#include "troupe/scheduler/internal/fiber_locals.h"

namespace troupe::scheduler_internal {

FiberLocalSlot& SlotFor(FiberLocals*& locals, uint64_t key) {
  if (locals == nullptr) locals = new FiberLocals();
  for (auto& [slot_key, slot] : locals->slots) {
    if (slot_key == key) return slot;
  }
  locals->slots.emplace_back(key, FiberLocalSlot{});
  return locals->slots.back().second;
}

void DestroyFiberLocals(FiberLocals*& locals) {
  if (locals == nullptr) return;
  // A destructor may use another FiberLocal of this fiber: destroy in reverse order
  // of creation, each slot emptied before its destructor runs.
  while (!locals->slots.empty()) {
    FiberLocalSlot slot = locals->slots.back().second;
    locals->slots.pop_back();
    if (slot.value != nullptr) slot.destroy(slot.value);
  }
  delete locals;
  locals = nullptr;
}

}  // namespace troupe::scheduler_internal
