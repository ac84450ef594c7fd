// The `token` CLI command (see token_command.h).
#include "token_command.h"

#include "gateway_config.h"
#include "herald/config_values.hpp"
#include "herald/gateway/auth/jwt_verifier.h"

namespace herald::gateway {

int token_command(const sdk::Config& config, const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::string user, device, ttl_text = "1h";
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = true;
    if (args[i] == "--user") ok = value(user);
    else if (args[i] == "--device") ok = value(device);
    else if (args[i] == "--ttl") ok = value(ttl_text);
    else {
      err = "herald token: unknown argument \"" + args[i] + "\"\nusage: herald token -c FILE --user U [--device D] [--ttl 1h]\n";
      return 2;
    }
    if (!ok) {
      err = "herald token: " + args[i] + " needs a value\n";
      return 2;
    }
  }
  if (user.empty()) {
    err = "usage: herald token -c FILE --user U [--device D] [--ttl 1h]\n";
    return 2;
  }
  auto ttl_ms = config_values::parse_duration_ms(ttl_text);
  if (!ttl_ms || *ttl_ms < 1000) {
    err = "herald token: --ttl: expected a duration of at least 1s like \"1h\", got \"" + ttl_text + "\"\n";
    return 2;
  }
  std::vector<PathError> errors;
  GatewayConfig gateway = parse_gateway_config(config.node(), "", errors);
  if (!errors.empty()) {
    for (const auto& e : errors) err += e.path + ": " + e.message + "\n";
    return 1;
  }
  try {
    out = auth::make_token(gateway.auth.jwt, user, device, std::chrono::seconds(*ttl_ms / 1000)) + "\n";
  } catch (const std::exception& e) {
    err = std::string("herald token: ") + e.what() + "\n";
    return 1;
  }
  return 0;
}

}  // namespace herald::gateway
