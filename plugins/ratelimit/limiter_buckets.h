// The ratelimit plugin's algorithms are the SDK's (herald/rate_buckets.hpp), shared with the gateway's
// connection-rate limits.
#pragma once

#include <herald/rate_buckets.hpp>

namespace herald::ratelimit {

using Time = sdk::RateTime;
using sdk::Decision;
using sdk::SlidingWindow;
using sdk::TokenBucket;
using std::chrono::milliseconds;

}  // namespace herald::ratelimit
