// The messaging core's admin API routes. Request bodies use the same JSON as the `$im/` topics
// (docs/protocol.md Part II) and go through protocols/im_json, so MQTT clients and the admin API share
// one schema and one validator; answers are the objects an MQTT inbox would receive ("ack", "result").
#include "messaging/admin_routes.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <charconv>

#include <herald/im_json/im_json.h>

#include "messaging/conversation_id.h"
#include "messaging/im_service.h"

namespace herald::messaging {
namespace {
using Json = nlohmann::json;
using sdk::HttpRequest;
using sdk::HttpResponse;

constexpr std::chrono::seconds kAnswerTimeout{10};
constexpr const char* kAdminActor = "admin";  // the name group notices give the admin API
constexpr const char* kSystemSender = "system";

HttpResponse bad(herald_reason reason, std::string_view text) { return HttpResponse::error(reason, text); }

// The request body as a JSON object ({} when empty).
std::optional<Json> body_object(const HttpRequest& req, HttpResponse* error) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string_view::npos) return Json::object();
  Json j = Json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = bad(HERALD_REASON_PAYLOAD_FORMAT_INVALID, "the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

// Who the request acts as: `?as=<user>` (that user's rights) or the admin API itself (owner rights).
Session session_for(const HttpRequest& req, std::string default_user) {
  Session s;
  s.protocol = "admin";
  s.device = "admin";
  s.listener = "admin";
  if (auto as = req.param("as"); as && !as->empty()) {
    s.user = *as;
  } else {
    s.user = std::move(default_user);
    s.admin = true;
  }
  return s;
}

// One response frame as HTTP: ERROR → its reason as an HTTP error; anything else → the inbox object.
HttpResponse answer(const binary::FrameBody& frame, const im_json::ReplyContext& ctx, int ok_status = 200) {
  if (const auto* e = std::get_if<binary::ErrorFrame>(&frame))
    return bad(static_cast<herald_reason>(e->code), e->text.empty() ? im_json::reason_text(e->code) : e->text);
  auto entries = im_json::inbox_entries(frame, ctx);
  if (entries.empty()) return HttpResponse::json(ok_status, "{}");
  return HttpResponse::json(ok_status, entries.front());
}

// Parses `payload` as the `$im/<topic>` request of `user`, runs it and answers.
HttpResponse run(ImService& im, const Session& session, std::string_view topic, const Json& payload,
                 std::string_view parse_user, int ok_status = 200,
                 const std::function<void(binary::FrameBody&)>& adjust = {}) {
  auto parsed = im_json::parse_request(topic, payload.dump(), parse_user);
  if (!parsed.ok()) return bad(static_cast<herald_reason>(parsed.code), parsed.reason);
  if (adjust) adjust(*parsed.request);
  return answer(im.call(session, std::move(*parsed.request), kAnswerTimeout), parsed.context, ok_status);
}

std::optional<uint64_t> u64_param(const HttpRequest& req, std::string_view name, HttpResponse* error) {
  auto v = req.param(name);
  if (!v) return 0;
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    *error = bad(HERALD_REASON_INVALID_REQUEST, std::string(name) + ": expected a number, got \"" + *v + "\"");
    return std::nullopt;
  }
  return out;
}

// POST /v1/messages: {"from", "conv" | "to", "cmid"?, "type", "body", "device"?}. type "system" sends
// as the server (no membership checks, rooms' priority lane); otherwise as `from`, with their rights.
HttpResponse send_message(ImService& im, const HttpRequest& req) {
  HttpResponse err;
  auto obj = body_object(req, &err);
  if (!obj) return err;
  auto str = [&](const char* key) -> std::string {
    auto it = obj->find(key);
    return it != obj->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const bool system = str("type") == "system";
  std::string from = str("from");
  if (from.empty() && !system) return bad(HERALD_REASON_INVALID_REQUEST, "missing field: from");
  if (from.empty()) from = kSystemSender;
  std::string conv_id = str("conv");
  if (conv_id.empty() && !str("to").empty()) {
    auto c2c = binary::make_c2c_conversation(binary::UserId{from}, binary::UserId{str("to")});
    if (!c2c) return bad(HERALD_REASON_INVALID_ID, "to: expected another valid user id");
    conv_id = c2c->value;
  }
  auto conv = Conversation::parse(conv_id);
  if (!conv) return bad(HERALD_REASON_INVALID_ID, "conv: expected c2c:<a>:<b>, group:<id> or room:<id>");
  // The im_json topic names the c2c peer relative to a participant; the conversation is the same.
  std::string topic, parse_user = from;
  switch (conv->kind) {
    case ConversationKind::kC2c:
      if (!conv->is_c2c_member(parse_user)) parse_user = conv->first;
      topic = "send/c2c/" + conv->peer_of(parse_user);
      break;
    case ConversationKind::kGroup: topic = "send/group/" + conv->first; break;
    case ConversationKind::kRoom: topic = "send/room/" + conv->first; break;
  }
  Json payload = *obj;
  for (const char* k : {"from", "to", "conv", "device"}) payload.erase(k);
  if (system) payload["type"] = "text";  // parsed as text, sent as system below
  if (!payload.contains("cmid")) {
    // A backend that wants idempotent retries sends its own cmid; otherwise each request is a new message.
    static std::atomic<uint64_t> counter{0};
    payload["cmid"] = "adm." + std::to_string(Operations::wall_ms()) + "." + std::to_string(++counter);
  }

  Session s;
  s.user = from;
  s.device = str("device").empty() ? "admin" : str("device");
  s.protocol = "admin";
  s.listener = "admin";
  s.admin = system;
  return run(im, s, topic, payload, parse_user, 200, [&](binary::FrameBody& f) {
    if (system) std::get<binary::SendFrame>(f).kind = binary::MessageKind::kSystem;
  });
}

// A group operation with `fields` (the group id is added from the path).
HttpResponse group_op(ImService& im, const HttpRequest& req, std::string_view op, Json fields, int ok_status = 200) {
  auto group = req.param("group");
  if (group) fields["group"] = *group;
  Session s = session_for(req, kAdminActor);
  return run(im, s, "group/" + std::string(op), fields, s.user, ok_status);
}

// A group operation taking `key` from the body and, when the route has {user}, that member.
HttpResponse group_op_with(ImService& im, const HttpRequest& req, std::string_view op, const char* key) {
  HttpResponse err;
  auto obj = body_object(req, &err);
  if (!obj) return err;
  Json fields = Json::object();
  if (auto user = req.param("user")) fields["members"] = Json::array({*user});
  if (obj->contains(key)) fields[key] = (*obj)[key];
  return group_op(im, req, op, fields);
}

Json members_of(const Json& obj, HttpResponse* err) {
  auto it = obj.find("members");
  if (it == obj.end() || !it->is_array() || it->empty()) {
    *err = bad(HERALD_REASON_INVALID_REQUEST, "members: expected a non-empty list of user ids");
    return nullptr;
  }
  return *it;
}
}  // namespace

void add_admin_routes(const sdk::Host& host, ImService& im) {
  ImService* svc = &im;

  host.http_route("POST", "/v1/messages", "send as a user, or as the system (type \"system\")",
                  [svc](const HttpRequest& req) { return send_message(*svc, req); });

  host.http_route("GET", "/v1/conversations/{conv}/messages",
                  "page a conversation's history: before, after, limit; as=<user> applies their view",
                  [svc](const HttpRequest& req) {
                    HttpResponse err;
                    auto before = u64_param(req, "before", &err);
                    auto after = before ? u64_param(req, "after", &err) : std::nullopt;
                    auto limit = after ? u64_param(req, "limit", &err) : std::nullopt;
                    if (!limit) return err;
                    Json q{{"conv", *req.param("conv")}, {"before", *before}, {"after", *after}, {"limit", *limit}};
                    Session s = session_for(req, kAdminActor);
                    return run(*svc, s, "history", q, s.user);
                  });

  // Groups. Without ?as=, the admin API has owner rights in every group.
  host.http_route("POST", "/v1/groups", "create a group: {group?, name, owner, members}", [svc](const HttpRequest& req) {
    HttpResponse err;
    auto obj = body_object(req, &err);
    if (!obj) return err;
    auto owner = obj->find("owner");
    if (owner == obj->end() || !owner->is_string())
      return bad(HERALD_REASON_INVALID_REQUEST, "missing field: owner (a group needs one)");
    Session s;
    s.user = owner->get<std::string>();
    s.device = "admin";
    s.protocol = "admin";
    s.listener = "admin";
    Json fields = *obj;
    fields.erase("owner");
    return run(*svc, s, "group/create", fields, s.user, 201);
  });
  host.http_route("GET", "/v1/groups/{group}", "group info",
                  [svc](const HttpRequest& req) { return group_op(*svc, req, "info", Json::object()); });
  host.http_route("DELETE", "/v1/groups/{group}", "dismiss the group",
                  [svc](const HttpRequest& req) { return group_op(*svc, req, "dismiss", Json::object()); });
  host.http_route("GET", "/v1/groups/{group}/members", "list members: offset, limit", [svc](const HttpRequest& req) {
    HttpResponse err;
    auto offset = u64_param(req, "offset", &err);
    auto limit = offset ? u64_param(req, "limit", &err) : std::nullopt;
    if (!limit) return err;
    return group_op(*svc, req, "list_members", Json{{"offset", *offset}, {"limit", *limit}});
  });
  host.http_route("POST", "/v1/groups/{group}/members", "add members: {members: [...]}", [svc](const HttpRequest& req) {
    HttpResponse err;
    auto obj = body_object(req, &err);
    if (!obj) return err;
    Json members = members_of(*obj, &err);
    if (members.is_null()) return err;
    return group_op(*svc, req, "add_members", Json{{"members", members}});
  });
  host.http_route("DELETE", "/v1/groups/{group}/members/{user}", "remove a member", [svc](const HttpRequest& req) {
    return group_op(*svc, req, "remove_members", Json{{"members", Json::array({*req.param("user")})}});
  });
  host.http_route("PUT", "/v1/groups/{group}/members/{user}/role",
                  "set a role: {role: owner|admin|member}; owner transfers ownership",
                  [svc](const HttpRequest& req) { return group_op_with(*svc, req, "set_role", "role"); });
  host.http_route("PUT", "/v1/groups/{group}/members/{user}/mute", "mute a member until {mute_until} ms (0 unmutes)",
                  [svc](const HttpRequest& req) { return group_op_with(*svc, req, "mute_member", "mute_until"); });
  host.http_route("PUT", "/v1/groups/{group}/mute", "mute everyone but owner and admins until {mute_until} ms",
                  [svc](const HttpRequest& req) { return group_op_with(*svc, req, "mute_all", "mute_until"); });

  // Rooms live in memory: membership comes from joins; the admin API looks, speaks (POST
  // /v1/messages with conv room:<id>) and closes.
  host.http_route("GET", "/v1/rooms/{room}", "joined users and devices (limit, default 100)", [svc](const HttpRequest& req) {
    std::string room = *req.param("room");
    if (!binary::is_valid_room_id(room)) return bad(HERALD_REASON_INVALID_ID, "invalid room id");
    HttpResponse err;
    auto limit = u64_param(req, "limit", &err);
    if (!limit) return err;
    Json devices = Json::array();
    for (auto& [user, device] : svc->room_members(room, *limit == 0 ? 100 : std::min<uint64_t>(*limit, 10000)))
      devices.push_back({{"user", user}, {"device", device}});
    return HttpResponse::json(
        200, Json{{"room", room}, {"member_count", svc->room_member_count(room)}, {"devices", devices}}.dump());
  });
  host.http_route("DELETE", "/v1/rooms/{room}", "close a room: every member leaves, history is dropped",
                  [svc](const HttpRequest& req) {
                    std::string room = *req.param("room");
                    if (!binary::is_valid_room_id(room)) return bad(HERALD_REASON_INVALID_ID, "invalid room id");
                    size_t removed = svc->close_room(room);
                    return HttpResponse::json(200, Json{{"room", room}, {"removed_devices", removed}}.dump());
                  });

  // Users: presence from the live sessions; devices adds what storage knows of offline ones.
  host.http_route("GET", "/v1/users/{user}/presence", "online or not, and the devices connected now",
                  [svc](const HttpRequest& req) {
                    std::string user = *req.param("user");
                    if (!binary::is_valid_user_id(user)) return bad(HERALD_REASON_INVALID_ID, "invalid user id");
                    auto online = svc->devices_online(user);
                    return HttpResponse::json(
                        200, Json{{"user", user}, {"online", !online.empty()}, {"devices", online}}.dump());
                  });
  // Push tokens as a device registers them ($im/push_token, PUSH_TOKEN): an app server that knows
  // the token (e.g. from its own login flow) registers or removes it for the device.
  auto token_session = [](const HttpRequest& req, HttpResponse* err) -> std::optional<Session> {
    Session s = session_for(req, *req.param("user"));
    s.user = *req.param("user");
    s.device = *req.param("device");
    if (!binary::is_valid_user_id(s.user)) *err = bad(HERALD_REASON_INVALID_ID, "invalid user id");
    else if (s.device.empty() || s.device.size() > 128) *err = bad(HERALD_REASON_INVALID_ID, "invalid device id");
    else return s;
    return std::nullopt;
  };
  host.http_route("PUT", "/v1/users/{user}/devices/{device}/push_token",
                  "register the device's push token (replaces its old one): {provider, app_id, token, sandbox?}",
                  [svc, token_session](const HttpRequest& req) {
                    HttpResponse err;
                    auto obj = body_object(req, &err);
                    auto s = obj ? token_session(req, &err) : std::nullopt;
                    if (!s) return err;
                    (*obj)["remove"] = false;
                    return run(*svc, *s, "push_token", *obj, s->user);
                  });
  host.http_route("DELETE", "/v1/users/{user}/devices/{device}/push_token", "remove the device's push token",
                  [svc, token_session](const HttpRequest& req) {
                    HttpResponse err;
                    auto s = token_session(req, &err);
                    if (!s) return err;
                    // Any token of the device: straight on the writer (PUSH_TOKEN's remove names a token).
                    bool done = svc->with_store(
                        [&](MessageStore& store) {
                          store.sql("DELETE FROM push_tokens WHERE user = ? AND device = ?")
                              .bind(1, s->user).bind(2, s->device).run();
                        },
                        kAnswerTimeout);
                    if (!done) return bad(HERALD_REASON_STORAGE_UNAVAILABLE, "storage did not answer");
                    return HttpResponse::json(200, "{}");
                  });
  host.http_route("GET", "/v1/users/{user}/devices",
                  "every known device: online, acked sync version, push provider", [svc](const HttpRequest& req) {
                    std::string user = *req.param("user");
                    if (!binary::is_valid_user_id(user)) return bad(HERALD_REASON_INVALID_ID, "invalid user id");
                    std::map<std::string, Json> devices;
                    auto entry = [&](const std::string& d) -> Json& {
                      auto& j = devices[d];
                      if (j.is_null()) j = Json{{"device", d}, {"online", false}};
                      return j;
                    };
                    bool read = svc->with_store(
                        [&](MessageStore& store) {
                          store.flush();  // acks of this batch are still in the store's cache
                          auto& acks = store.sql("SELECT device, version FROM device_acks WHERE user = ?");
                          acks.bind(1, user);
                          while (acks.step()) entry(acks.text(0))["acked_version"] = acks.u64(1);
                          auto& push = store.sql("SELECT device, provider, app_id FROM push_tokens WHERE user = ?");
                          push.bind(1, user);
                          while (push.step())
                            entry(push.text(0))["push"] = Json{{"provider", push.integer(1)}, {"app_id", push.text(2)}};
                        },
                        kAnswerTimeout);
                    if (!read) return bad(HERALD_REASON_STORAGE_UNAVAILABLE, "storage did not answer");
                    for (const auto& d : svc->devices_online(user)) entry(d)["online"] = true;
                    Json list = Json::array();
                    for (auto& [name, j] : devices) list.push_back(std::move(j));
                    return HttpResponse::json(200, Json{{"user", user}, {"devices", list}}.dump());
                  });
}

}  // namespace herald::messaging
