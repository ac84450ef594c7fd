// EventLoop: cross-thread posts, fd readiness and timers run on the loop's own thread.
#include <catch2/catch.hpp>
#include <sys/eventfd.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "loop/loop_group.h"

using herald::EventLoop;
using herald::LoopGroup;

TEST_CASE("posted tasks run in order on the loop thread") {
  LoopGroup loops(2);
  loops.start();
  std::promise<std::vector<int>> done;
  auto order = std::make_shared<std::vector<int>>();
  std::thread::id loop_thread;
  for (int i = 0; i < 100; ++i) {
    loops.at(1).post([&, order, i] {
      order->push_back(i);
      loop_thread = std::this_thread::get_id();
      REQUIRE(EventLoop::current() == &loops.at(1));
      if (i == 99) done.set_value(*order);
    });
  }
  auto fut = done.get_future();
  REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto got = fut.get();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(got[i] == i);
  CHECK(loop_thread != std::this_thread::get_id());
  loops.stop();
  CHECK_FALSE(loops.at(0).post([] {}));  // a stopped loop refuses work
}

TEST_CASE("fd readiness and timers fire on the loop") {
  LoopGroup loops(1);
  loops.start();
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::promise<uint64_t> readable;
  std::promise<int> timer_fired;
  EventLoop::Watch* w = nullptr;  // outlive the loop callbacks that use them
  EventLoop::Timer* t = nullptr;
  int count = 0;
  loops.at(0).post([&] {
    auto& loop = loops.at(0);
    w = loop.watch(efd, 0x001, [&](int fd, uint32_t) {
      uint64_t v = 0;
      REQUIRE(read(fd, &v, sizeof(v)) == sizeof(v));
      loops.at(0).unwatch(w);
      readable.set_value(v);
    });
    t = loop.start_timer(1, 1, [&] {
      if (++count == 3) {
        loops.at(0).cancel_timer(t);
        timer_fired.set_value(count);
      }
    });
  });
  uint64_t seven = 7;
  REQUIRE(write(efd, &seven, sizeof(seven)) == sizeof(seven));
  auto r = readable.get_future();
  REQUIRE(r.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(r.get() == 7);
  auto fired = timer_fired.get_future();
  REQUIRE(fired.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(fired.get() == 3);
  loops.stop();
  close(efd);
}
