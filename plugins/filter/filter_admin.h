// The filter's admin API answers, as plain functions of the penalty box and word lists so they are
// unit-testable without an HTTP server: GET /v1/filter/mutes, PUT/DELETE /v1/filter/mutes/{user},
// POST /v1/filter/reload (wired in filter_plugin.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "herald/sdk.hpp"
#include "penalty_box.h"
#include "word_lists.h"

namespace herald::filter {

// {"reloaded":true,"words":N,"categories":[{"name":..,"action":..}],"load_ms":x}
std::string reload_json(const WordLists& lists);

sdk::HttpResponse list_mutes(PenaltyBox& box);
// 404 NOT_FOUND when the user is not muted.
sdk::HttpResponse unmute(PenaltyBox& box, std::string_view user);
// The duration ("10m", as in config) from the query, else from the JSON body {"duration": "10m"};
// bad or missing: 400 INVALID_REQUEST.
sdk::HttpResponse mute(PenaltyBox& box, std::string_view user, std::optional<std::string> query_duration,
                       std::string_view body = {});

}  // namespace herald::filter
