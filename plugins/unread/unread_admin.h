// The admin API's view of unread counts: GET /v1/users/{user}/unread answers with
// {"user": U, "total": N, "convs": [{"conv", "count", "last_seq", "read_seq", "muted"}]}. Asked
// through the messaging core (herald.im.v1, protocol "admin"), so the answer is the writer's view.
#pragma once

#include <string>
#include <vector>

#include <herald/binary/frames.h>
#include <herald/im_service.h>
#include <herald/reason_codes.h>

namespace herald::unread {

// Renders an UNREAD_RESULT for `user` as the admin API's JSON.
std::string unread_result_json(const std::string& user, const binary::UnreadResultFrame& result);

// Any thread but the messaging writer's: sends UNREAD_REQUEST as `user` and waits (bounded) for the
// answer. Returns {status, body}: 200 with the JSON above, or an error status and message.
struct AdminAnswer {
  int status = 200;
  std::string body;                           // the JSON, or the error's message
  uint16_t reason = HERALD_REASON_OK;    // the error's reason code
};
AdminAnswer admin_unread(const herald_im_service_v1* im, const std::string& user, const std::vector<std::string>& convs);

}  // namespace herald::unread
