// Admin API answers of the filter plugin (see filter_admin.h).
#include "filter_admin.h"

#include <nlohmann/json.hpp>

#include "herald/config_values.hpp"

namespace herald::filter {

std::string reload_json(const WordLists& lists) {
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : lists.categories()) cats.push_back({{"name", c.name}, {"action", to_string(c.action)}});
  return nlohmann::json{{"reloaded", true}, {"words", lists.words()}, {"categories", cats}, {"load_ms", lists.load_ms()}}
      .dump();
}

sdk::HttpResponse list_mutes(PenaltyBox& box) { return sdk::HttpResponse::json(200, box.mutes_json()); }

sdk::HttpResponse unmute(PenaltyBox& box, std::string_view user) {
  if (!box.unmute(user)) return sdk::HttpResponse::error(HERALD_REASON_NOT_FOUND, "user " + std::string(user) + " is not muted");
  return sdk::HttpResponse::json(200, nlohmann::json{{"user", user}, {"muted", false}}.dump());
}

sdk::HttpResponse mute(PenaltyBox& box, std::string_view user, std::optional<std::string> query_duration,
                       std::string_view body) {
  std::string duration = query_duration.value_or("");
  if (duration.empty() && !body.empty()) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("duration") && j["duration"].is_string()) duration = j["duration"].get<std::string>();
  }
  auto ms = config_values::parse_duration_ms(duration);
  if (user.empty() || !ms || *ms == 0)
    return sdk::HttpResponse::error(HERALD_REASON_INVALID_REQUEST, "expected a user and a duration such as ?duration=10m");
  box.mute(user, std::chrono::milliseconds(*ms));
  return sdk::HttpResponse::json(200, nlohmann::json{{"user", user}, {"muted", true}, {"remaining_ms", *ms}}.dump());
}

}  // namespace herald::filter
