// `herald token -c FILE --user U [--device D] [--ttl 1h]`: prints a JWT signed with the gateway's
// configured secret, for scripts, tests and trying Herald out.
#pragma once

#include <string>
#include <vector>

#include <herald/sdk.hpp>

namespace herald::gateway {

int token_command(const sdk::Config& config, const std::vector<std::string>& args, std::string& out, std::string& err);

}  // namespace herald::gateway
