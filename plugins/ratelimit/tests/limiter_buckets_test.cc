// Token bucket and sliding window with an explicit (injected) time.
#include <catch2/catch.hpp>

#include "limiter_buckets.h"

using namespace herald::ratelimit;
using namespace std::chrono_literals;

namespace {
Time at(int64_t ms) { return Time(std::chrono::milliseconds(1'000'000 + ms)); }
}  // namespace

TEST_CASE("token bucket: burst, then exactly the rate") {
  TokenBucket b(10, 3, at(0));
  for (int i = 0; i < 3; ++i) CHECK(b.try_take(at(0)).allowed);
  auto d = b.try_take(at(0));
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after >= 100ms);
  CHECK(d.retry_after <= 101ms);
  CHECK_FALSE(b.try_take(at(99)).allowed);
  CHECK(b.try_take(at(100)).allowed);
  // Over 10 s of hammering every millisecond, 10/s lets exactly 100 through.
  int passed = 0;
  for (int64_t t = 101; t <= 10'100; ++t) passed += b.try_take(at(t)).allowed ? 1 : 0;
  CHECK(passed == 100);
  CHECK_FALSE(b.full_at(at(10'100)));
  CHECK(b.full_at(at(10'400)));
}

TEST_CASE("sliding window: limit per window, buckets age out one at a time") {
  SlidingWindow w(5, 1000ms, 100ms);
  for (int i = 0; i < 5; ++i) CHECK(w.try_take(at(i * 10)).allowed);  // all in bucket 0
  auto d = w.try_take(at(50));
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after == 950ms);  // bucket [0,100) leaves the window at 1000
  CHECK_FALSE(w.try_take(at(999)).allowed);
  CHECK(w.try_take(at(1000)).allowed);
  CHECK(w.try_take(at(1500)).allowed);
  CHECK_FALSE(w.empty_at(at(2000)));
  CHECK(w.empty_at(at(2600)));
}

TEST_CASE("sliding window: a steady overload passes limit per window") {
  SlidingWindow w(20, 1000ms, 100ms);
  int passed = 0;
  for (int64_t t = 0; t < 10'000; t += 5) passed += w.try_take(at(t)).allowed ? 1 : 0;
  CHECK(passed == 200);
}
