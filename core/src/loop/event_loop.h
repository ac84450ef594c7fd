// EventLoop: one thread's epoll loop with a cross-thread task queue, fd watches and timers. Hand-written
// rather than Poco's reactor because it is the hot path: one epoll_wait per batch, no allocation per
// task for small callables, and plugins drive it through the C ABI.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace herald {

class EventLoop {
 public:
  using Task = std::function<void()>;
  using FdCallback = std::function<void(int fd, uint32_t events)>;

  struct Watch {
    int fd;
    uint32_t events;
    FdCallback cb;
    bool alive = true;
    EventLoop* loop;
  };
  struct Timer {
    uint64_t id;
    uint64_t repeat_ms;
    Task cb;
    EventLoop* loop;
  };

  explicit EventLoop(uint32_t index);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uint32_t index() const { return index_; }
  // Runs on the calling thread until stop(); tasks posted before stop() still run.
  void run();
  void stop();                  // any thread
  bool post(Task task);         // any thread; false once stopping
  bool in_loop_thread() const;  // true on the thread inside run()
  static EventLoop* current();  // the loop running on this thread, or nullptr

  // Loop thread only.
  Watch* watch(int fd, uint32_t events, FdCallback cb);
  bool modify(Watch* watch, uint32_t events);
  void unwatch(Watch* watch);
  Timer* start_timer(uint64_t delay_ms, uint64_t repeat_ms, Task cb);
  void cancel_timer(Timer* timer);

 private:
  using Clock = std::chrono::steady_clock;
  void drain_tasks();
  int next_timeout_ms();
  void fire_timers();

  uint32_t index_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread::id thread_id_{};
  bool stopping_ = false;  // guarded by mutex_
  std::mutex mutex_;
  std::vector<Task> pending_;
  std::vector<Task> running_;
  std::vector<Watch*> graveyard_;  // unwatched during a batch; freed after it
  uint64_t next_timer_id_ = 1;
  std::map<uint64_t, Timer*> timers_;
  Timer* firing_ = nullptr;  // the repeating timer whose callback is running
  using Deadline = std::pair<Clock::time_point, uint64_t>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace herald
