// The admin API's token route (see token_route.h).
#include "token_route.h"

#include <nlohmann/json.hpp>

#include "herald/config_values.hpp"

namespace herald::gateway {

namespace {
constexpr uint64_t kMaxTtlMs = 30ull * 24 * 3600 * 1000;  // a dev or backend token, not a credential for life
}

void add_token_route(const sdk::Host& host, std::function<auth::JwtConfig()> jwt) {
  host.http_route("POST", "/v1/tokens", "a client token: {user, device?, ttl? (default 1h, at most 30d)}",
                  [jwt = std::move(jwt)](const sdk::HttpRequest& req) {
                    using Json = nlohmann::json;
                    Json body = req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
                    if (body.is_discarded() || !body.is_object())
                      return sdk::HttpResponse::error(HERALD_REASON_PAYLOAD_FORMAT_INVALID, "the body must be a JSON object");
                    auto str = [&](const char* key, std::string fallback) {
                      auto it = body.find(key);
                      return it != body.end() && it->is_string() ? it->get<std::string>() : fallback;
                    };
                    std::string user = str("user", ""), device = str("device", ""), ttl = str("ttl", "1h");
                    auto ttl_ms = config_values::parse_duration_ms(ttl);
                    if (!ttl_ms || *ttl_ms < 1000 || *ttl_ms > kMaxTtlMs)
                      return sdk::HttpResponse::error(HERALD_REASON_INVALID_REQUEST,
                                                      "ttl: expected a duration from 1s to 30d, got \"" + ttl + "\"");
                    try {
                      std::string token = auth::make_token(jwt(), user, device, std::chrono::seconds(*ttl_ms / 1000));
                      Json out{{"token", token}, {"user", user}, {"expires_in", *ttl_ms / 1000}};
                      if (!device.empty()) out["device"] = device;
                      return sdk::HttpResponse::json(201, out.dump());
                    } catch (const std::invalid_argument& e) {
                      return sdk::HttpResponse::error(HERALD_REASON_INVALID_REQUEST, e.what());
                    }
                  });
}

}  // namespace herald::gateway
