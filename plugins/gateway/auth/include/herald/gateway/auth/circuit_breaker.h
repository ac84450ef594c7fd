// The gateway's auth callback uses the SDK's circuit breaker (herald/circuit_breaker.hpp).
#pragma once

#include "herald/circuit_breaker.hpp"
#include "herald/gateway/auth/clock.h"

namespace herald::gateway::auth {
using sdk::CircuitBreaker;
using sdk::CircuitBreakerConfig;
using sdk::CircuitBreakerMetrics;
using sdk::CircuitState;
}  // namespace herald::gateway::auth
