// Admin API answers of the filter plugin (see filter_admin.h).
#include "filter_admin.h"

#include <nlohmann/json.hpp>

#include "herald/config_values.hpp"

namespace herald::filter {

std::string error_json(herald_reason reason, std::string_view name, std::string_view message) {
  return nlohmann::json{{"error", {{"code", static_cast<int>(reason)}, {"name", name}, {"message", message}}}}.dump();
}

std::string reload_json(const WordLists& lists) {
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : lists.categories()) cats.push_back({{"name", c.name}, {"action", to_string(c.action)}});
  return nlohmann::json{{"reloaded", true}, {"words", lists.words()}, {"categories", cats}, {"load_ms", lists.load_ms()}}
      .dump();
}

AdminAnswer list_mutes(PenaltyBox& box) { return {200, box.mutes_json()}; }

AdminAnswer unmute(PenaltyBox& box, std::string_view user) {
  if (!box.unmute(user))
    return {404, error_json(HERALD_REASON_NOT_FOUND, "NOT_FOUND", "user " + std::string(user) + " is not muted")};
  return {200, nlohmann::json{{"user", user}, {"muted", false}}.dump()};
}

AdminAnswer mute(PenaltyBox& box, std::string_view user, std::string_view duration) {
  auto ms = config_values::parse_duration_ms(std::string(duration));
  if (user.empty() || !ms || *ms == 0)
    return {400, error_json(HERALD_REASON_INVALID_REQUEST, "INVALID_REQUEST",
                            "expected a user and a duration such as 10m")};
  box.mute(user, std::chrono::milliseconds(*ms));
  return {200, nlohmann::json{{"user", user}, {"muted", true}, {"remaining_ms", *ms}}.dump()};
}

}  // namespace herald::filter
