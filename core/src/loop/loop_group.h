// LoopGroup: the fixed set of event loops (one per core by default), each on its own thread.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "loop/event_loop.h"

namespace herald {

class LoopGroup {
 public:
  explicit LoopGroup(uint32_t count);  // 0 = one per hardware thread
  ~LoopGroup();
  void start();
  void stop();  // stops every loop and joins its thread; idempotent
  uint32_t size() const { return static_cast<uint32_t>(loops_.size()); }
  EventLoop& at(uint32_t index) { return *loops_[index]; }

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace herald
