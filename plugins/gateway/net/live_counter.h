// Counts objects that still hold a loop callback (connections, tunnel sessions) so stop() can wait,
// on the control thread, until every one of them ran its close path on its own loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace herald::gateway {

class LiveCounter {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void remove() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) cv_.notify_all();
  }
  size_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  bool wait_zero(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return count_ == 0; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  size_t count_ = 0;
};

}  // namespace herald::gateway
