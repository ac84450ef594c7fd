// A log-bucketed latency histogram in the style of HdrHistogram: fixed memory, O(1) record, about
// 0.8% relative precision (64 linear sub-buckets per power of two), mergeable across threads.
#pragma once

#include <array>
#include <cstdint>

namespace herald::bench {

class LatencyHistogram {
 public:
  void record(std::uint64_t value_ns);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }
  // The smallest recorded bucket value v with at least `fraction` of the samples <= v (0 when empty).
  std::uint64_t percentile(double fraction) const;

  static constexpr int kSubBits = 7;  // 128 sub-buckets in the first range, 64 in each later one

 private:
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kHalf = kSub / 2;
  static constexpr int kBuckets = kSub + (64 - kSubBits) * kHalf;
  static int index_of(std::uint64_t value);
  static std::uint64_t upper_bound_of(int index);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace herald::bench
