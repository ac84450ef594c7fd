// A route of core's own on the admin API: the C callback's argument, owned by the Server.
#pragma once

#include <functional>

#include "admin/http_exchange.h"
#include "herald/sdk.hpp"

namespace herald {

struct CoreRoute {
  std::function<sdk::HttpResponse(const herald_http_request&)> fn;
};

}  // namespace herald
