#include "unread_admin.h"

#include <chrono>
#include <future>
#include <memory>

#include <nlohmann/json.hpp>

#include <herald/binary/codec.h>
#include <herald/binary/identifiers.h>

namespace herald::unread {

namespace bin = herald::binary;

std::string unread_result_json(const std::string& user, const bin::UnreadResultFrame& result) {
  nlohmann::ordered_json convs = nlohmann::ordered_json::array();
  for (const auto& e : result.convs)
    convs.push_back({{"conv", e.conv.value}, {"count", e.count}, {"last_seq", e.last_seq},
                     {"read_seq", e.read_seq}, {"muted", e.muted}});
  nlohmann::ordered_json out{{"user", user}, {"total", result.total}, {"convs", std::move(convs)}};
  return out.dump();
}

AdminAnswer admin_unread(const herald_im_service_v1* im, const std::string& user, const std::vector<std::string>& convs) {
  if (!bin::is_valid_user_id(user)) return {400, "invalid user id", HERALD_REASON_INVALID_ID};
  if (!im) return {503, "the messaging core is not running", HERALD_REASON_SERVER_UNAVAILABLE};
  bin::UnreadRequestFrame req;
  for (const auto& c : convs) req.convs.push_back(bin::ConversationId{c});
  bin::Frame frame;
  frame.body = std::move(req);
  std::vector<uint8_t> bytes;
  if (bin::encode_frame(frame, bytes) != bin::EncodeStatus::kOk)
    return {400, "invalid conversation id in convs (or too many)", HERALD_REASON_INVALID_ID};

  auto answer = std::make_shared<std::promise<std::vector<uint8_t>>>();
  auto future = answer->get_future();
  herald_im_session session{};
  session.struct_size = sizeof(session);
  session.user = herald_str{user.data(), user.size()};
  session.device = herald_str{"", 0};
  session.protocol = herald_str{"admin", 5};
  session.listener = herald_str{"", 0};
  session.peer = herald_str{"", 0};
  session.loop = UINT32_MAX;
  // The promise is shared with the reply, which may come after a timeout here.
  auto* keep = new std::shared_ptr<std::promise<std::vector<uint8_t>>>(answer);
  im->request(im->self, &session, herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()},
              [](void* arg, herald_str f) {
                std::unique_ptr<std::shared_ptr<std::promise<std::vector<uint8_t>>>> p(
                    static_cast<std::shared_ptr<std::promise<std::vector<uint8_t>>>*>(arg));
                const auto* d = reinterpret_cast<const uint8_t*>(f.data);
                (*p)->set_value(std::vector<uint8_t>(d, d + f.size));
              },
              keep);
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return {503, "no answer from the messaging core in time", HERALD_REASON_TIMEOUT};
  auto reply = future.get();
  bin::DecodeLimits limits;
  limits.max_frame_size = bin::kMaxFrameSizeCeiling;
  auto decoded = bin::decode_frame(std::span<const uint8_t>(reply.data(), reply.size()), limits);
  if (decoded.status != bin::DecodeStatus::kOk) return {500, "undecodable answer from the messaging core", HERALD_REASON_UNSPECIFIED_ERROR};
  if (auto* r = std::get_if<bin::UnreadResultFrame>(&decoded.frame.body)) return {200, unread_result_json(user, *r), HERALD_REASON_OK};
  if (auto* e = std::get_if<bin::ErrorFrame>(&decoded.frame.body)) return {500, e->text, e->code};
  return {500, "unexpected answer from the messaging core", HERALD_REASON_UNSPECIFIED_ERROR};
}

}  // namespace herald::unread
