// POST /v1/tokens on the admin API: a client token (JWT) for a user, signed as `herald token` signs,
// so a backend or the web console's playground can mint one without reading the secret file.
#pragma once

#include <functional>

#include <herald/sdk.hpp>

#include "herald/gateway/auth/jwt_verifier.h"

namespace herald::gateway {

// `jwt` returns the gateway's current JWT settings (they change on reload). Control thread, in start().
void add_token_route(const sdk::Host& host, std::function<auth::JwtConfig()> jwt);

}  // namespace herald::gateway
