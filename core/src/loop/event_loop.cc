// EventLoop implementation on epoll + eventfd; timers are a min-heap with lazy cancellation.
#include "loop/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "log/logger.h"

namespace herald {
namespace {
thread_local EventLoop* t_current = nullptr;
}

EventLoop::EventLoop(uint32_t index) : index_(index) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error(std::string("event loop: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the wake fd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
  for (auto& [id, t] : timers_) delete t;
  for (auto* w : graveyard_) delete w;
  close(wake_fd_);
  close(epoll_fd_);
}

EventLoop* EventLoop::current() { return t_current; }
bool EventLoop::in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

bool EventLoop::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    pending_.push_back(std::move(task));
    if (pending_.size() > 1) return true;  // a wake-up is already on its way
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
  return true;
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void EventLoop::drain_tasks() {
  {
    std::lock_guard lock(mutex_);
    running_.swap(pending_);
  }
  for (auto& task : running_) {
    try {
      task();
    } catch (const std::exception& e) {
      HLOG_ERROR("loop") << "task on loop " << index_ << " threw: " << e.what();
    }
  }
  running_.clear();
}

int EventLoop::next_timeout_ms() {
  while (!deadlines_.empty() && !timers_.count(deadlines_.top().second)) deadlines_.pop();
  if (deadlines_.empty()) return -1;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadlines_.top().first - Clock::now()).count();
  return wait < 0 ? 0 : static_cast<int>(wait + 1);  // +1: never wake a hair before the deadline
}

void EventLoop::fire_timers() {
  auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    uint64_t id = deadlines_.top().second;
    deadlines_.pop();
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled
    Timer* t = it->second;
    if (t->repeat_ms > 0) {
      deadlines_.emplace(now + std::chrono::milliseconds(t->repeat_ms), id);
      firing_ = t;
      t->cb();  // may cancel itself: then it is freed here, after its callback returned
      firing_ = nullptr;
      if (!timers_.count(id)) delete t;
    } else {
      timers_.erase(it);
      std::unique_ptr<Timer> owned(t);
      owned->cb();
    }
  }
}

void EventLoop::run() {
  thread_id_ = std::this_thread::get_id();
  t_current = this;
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epoll_fd_, events, 256, next_timeout_ms());
    if (n < 0 && errno != EINTR) {
      HLOG_ERROR("loop") << "epoll_wait: " << strerror(errno);
      break;
    }
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<Watch*>(events[i].data.ptr);
      if (!w) {
        uint64_t count;
        ssize_t ignored = read(wake_fd_, &count, sizeof(count));
        (void)ignored;
        woken = true;
        continue;
      }
      if (w->alive) w->cb(w->fd, events[i].events);
    }
    for (auto* w : graveyard_) delete w;
    graveyard_.clear();
    fire_timers();
    drain_tasks();
    if (woken) {
      std::lock_guard lock(mutex_);
      if (stopping_ && pending_.empty()) break;
    }
  }
  drain_tasks();
  t_current = nullptr;
}

EventLoop::Watch* EventLoop::watch(int fd, uint32_t events, FdCallback cb) {
  auto* w = new Watch{fd, events, std::move(cb), true, this};
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = w;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    HLOG_WARN("loop") << "epoll add fd " << fd << ": " << strerror(errno);
    delete w;
    return nullptr;
  }
  return w;
}

bool EventLoop::modify(Watch* w, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = w;
  w->events = events;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, w->fd, &ev) == 0;
}

void EventLoop::unwatch(Watch* w) {
  if (!w || !w->alive) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->fd, nullptr);
  w->alive = false;
  graveyard_.push_back(w);  // events for it may still be in this batch
}

EventLoop::Timer* EventLoop::start_timer(uint64_t delay_ms, uint64_t repeat_ms, Task cb) {
  auto* t = new Timer{next_timer_id_++, repeat_ms, std::move(cb), this};
  timers_[t->id] = t;
  deadlines_.emplace(Clock::now() + std::chrono::milliseconds(delay_ms), t->id);
  return t;
}

void EventLoop::cancel_timer(Timer* t) {
  if (!t) return;
  auto it = timers_.find(t->id);
  if (it == timers_.end()) return;  // a one-shot inside its own callback: freed by fire_timers
  timers_.erase(it);
  if (t != firing_) delete t;  // a repeating timer cancelled inside its own callback dies in fire_timers
}

}  // namespace herald
