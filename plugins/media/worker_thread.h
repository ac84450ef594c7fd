// One background thread for the media plugin: queued jobs (access checks of deferred stages) and a
// periodic job (the expiry sweep). Started in start(), joined in stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace herald::media {

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread() { stop(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void start(std::chrono::milliseconds period, std::function<void()> periodic) {
    period_ = period;
    periodic_ = std::move(periodic);
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }
  // False when stopped (the job is dropped; the caller answers for it).
  bool post(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return false;
    jobs_.push_back(std::move(job));
    cv_.notify_one();
    return true;
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    auto next = std::chrono::steady_clock::now() + period_;
    std::unique_lock lock(mutex_);
    while (true) {
      cv_.wait_until(lock, next, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) break;
      if (!jobs_.empty()) {
        run_next(lock);
        continue;
      }
      lock.unlock();
      periodic_();
      lock.lock();
      next = std::chrono::steady_clock::now() + period_;
    }
    // Jobs left at stop run now, so each deferred stage gets its answer.
    while (!jobs_.empty()) run_next(lock);
  }

  void run_next(std::unique_lock<std::mutex>& lock) {
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }

  std::chrono::milliseconds period_{60000};
  std::function<void()> periodic_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herald::media
