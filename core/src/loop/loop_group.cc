// Starts and joins the event loop threads.
#include "loop/loop_group.h"

#include <pthread.h>

#include <string>

namespace herald {

LoopGroup::LoopGroup(uint32_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (uint32_t i = 0; i < count; ++i) loops_.push_back(std::make_unique<EventLoop>(i));
}

LoopGroup::~LoopGroup() { stop(); }

void LoopGroup::start() {
  for (auto& loop : loops_) {
    threads_.emplace_back([l = loop.get()] {
      std::string name = "herald-loop-" + std::to_string(l->index());
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      l->run();
    });
  }
}

void LoopGroup::stop() {
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace herald
