// The filter's admin API answers as plain (status, JSON) values, so they are unit-testable without
// an HTTP server: GET /v1/filter/mutes, PUT/DELETE /v1/filter/mutes/{user}, POST /v1/filter/reload.
#pragma once

#include <string>
#include <string_view>

#include "herald/reason_codes.h"
#include "penalty_box.h"
#include "word_lists.h"

namespace herald::filter {

struct AdminAnswer {
  int status = 200;
  std::string body;  // JSON
};

// {"error":{"code":..,"name":..,"message":..}}
std::string error_json(herald_reason reason, std::string_view name, std::string_view message);
// {"reloaded":true,"words":N,"categories":[{"name":..,"action":..}],"load_ms":x}
std::string reload_json(const WordLists& lists);

AdminAnswer list_mutes(PenaltyBox& box);
AdminAnswer unmute(PenaltyBox& box, std::string_view user);
// `duration` as in config ("10m"); bad or missing: 400.
AdminAnswer mute(PenaltyBox& box, std::string_view user, std::string_view duration);

}  // namespace herald::filter
