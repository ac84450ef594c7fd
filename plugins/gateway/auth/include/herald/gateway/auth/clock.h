// The gateway's auth components read the SDK's injectable clock (herald/clock.hpp).
#pragma once

#include "herald/clock.hpp"

namespace herald::gateway::auth {
using sdk::Clock;
using sdk::ManualClock;
using sdk::SystemClock;
using sdk::system_clock;
}  // namespace herald::gateway::auth
