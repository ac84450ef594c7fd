// Striped metric series: what many threads add is all there after a collection, gauges' set()
// supersedes earlier adds, and histogram buckets match prometheus-cpp's own Observe.
#include <catch2/catch.hpp>

#include <prometheus/text_serializer.h>

#include <thread>
#include <vector>

#include "metrics/metrics_registry.h"

using herald::MetricsRegistry;

namespace {
// The value of the first sample whose line starts with `series` (name and labels as serialized).
double sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + series.size() + 2));
}
}  // namespace

TEST_CASE("striped counters and gauges keep every update of many threads") {
  MetricsRegistry reg;
  auto* counter = reg.fast_counter("t_events_total", "events", {{"k", "a"}}).value();
  auto* gauge = reg.fast_gauge("t_inflight", "in flight", {}).value();
  CHECK(reg.fast_counter("t_events_total", "events", {{"k", "a"}}).value() == counter);  // one per series
  constexpr int kThreads = 20, kAdds = 20000;  // more threads than owned stripes: some share one
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) {
        counter->add();
        gauge->add(1);
        if (i % 2) gauge->add(-1);
        if (i % 1000 == 0) reg.fold();  // folds racing with the adds lose nothing
      }
    });
  for (auto& t : threads) t.join();
  std::string text = reg.text();
  CHECK(sample(text, "t_events_total{k=\"a\"}") == kThreads * kAdds);
  CHECK(sample(text, "t_inflight") == kThreads * kAdds / 2);
  counter->add(-5);  // a counter never goes down
  gauge->add(3);
  gauge->set(7);  // supersedes the pending +3
  gauge->add(2);
  text = reg.text();
  CHECK(sample(text, "t_events_total{k=\"a\"}") == kThreads * kAdds);
  CHECK(sample(text, "t_inflight") == 9);
}

TEST_CASE("a striped histogram counts buckets and sum as prometheus-cpp's Observe does") {
  MetricsRegistry reg;
  prometheus::Histogram::BucketBoundaries bounds{0.001, 0.01, 0.1, 1};
  auto* fast = reg.fast_histogram("t_fast_seconds", "fast", {}, bounds).value();
  auto* plain = reg.histogram("t_plain_seconds", "plain", {}, bounds).value();
  std::vector<double> values{0, 0.0005, 0.001, 0.002, 0.01, 0.05, 0.1, 0.5, 1, 2, 100};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (double v : values) fast->observe(v);
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t)
    for (double v : values) plain->Observe(v);
  std::string text = reg.text();
  for (std::string le : {"0.001", "0.01", "0.1", "1", "+Inf"}) {
    CAPTURE(le);
    CHECK(sample(text, "t_fast_seconds_bucket{le=\"" + le + "\"}") ==
          sample(text, "t_plain_seconds_bucket{le=\"" + le + "\"}"));
  }
  CHECK(sample(text, "t_fast_seconds_bucket{le=\"0.001\"}") == 12);  // 0, 0.0005 and 0.001, four times
  CHECK(sample(text, "t_fast_seconds_count") == 44);
  CHECK(sample(text, "t_fast_seconds_sum") == Approx(sample(text, "t_plain_seconds_sum")));
}
