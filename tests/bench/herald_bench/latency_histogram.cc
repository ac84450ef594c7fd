// Bucket arithmetic of LatencyHistogram: values below 128 are exact; above, a bucket keeps the top
// 7 significant bits, so its width is under 1/64 of its value.
#include "latency_histogram.h"

#include <algorithm>
#include <bit>

namespace herald::bench {

int LatencyHistogram::index_of(std::uint64_t value) {
  if (value < kSub) return static_cast<int>(value);
  int msb = 63 - std::countl_zero(value);
  int shift = msb - (kSubBits - 1);  // keeps bits [msb, msb-6]: a sub value in [64, 128)
  auto sub = static_cast<int>(value >> shift);
  return kSub + (shift - 1) * kHalf + (sub - kHalf);
}

std::uint64_t LatencyHistogram::upper_bound_of(int index) {
  if (index < kSub) return static_cast<std::uint64_t>(index);
  int shift = (index - kSub) / kHalf + 1;
  auto sub = static_cast<std::uint64_t>((index - kSub) % kHalf + kHalf);
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value_ns) {
  ++counts_[static_cast<std::size_t>(index_of(value_ns))];
  ++total_;
  max_ = std::max(max_, value_ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::percentile(double fraction) const {
  if (total_ == 0) return 0;
  auto want = static_cast<std::uint64_t>(fraction * static_cast<double>(total_));
  want = std::clamp<std::uint64_t>(want, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= want) return std::min(upper_bound_of(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace herald::bench
