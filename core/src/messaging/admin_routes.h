// The messaging core's admin API routes (docs/admin-api.md): send as a user or as the system, manage
// groups and rooms, page history, look up a user's devices and presence.
#pragma once

#include <herald/sdk.hpp>

namespace herald::messaging {

class ImService;

// Control thread, in the im plugin's init. The routes use `service` until the host withdraws them
// (before the plugin's stop).
void add_admin_routes(const sdk::Host& host, ImService& service);

}  // namespace herald::messaging
