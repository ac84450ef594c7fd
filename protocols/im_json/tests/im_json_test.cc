#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "herald/binary/media.h"
#include "herald/im_json/im_json.h"
#include "herald/reason_codes.h"

using namespace herald;
using namespace herald::im_json;
using nlohmann::json;

namespace {

template <class T>
const T& request_as(const ParseResult& r) {
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<T>(*r.request));
  return std::get<T>(*r.request);
}

// Every key of `expected` is in `actual` with the same value (documents show subsets).
void require_contains(const json& actual, const json& expected) {
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    INFO("key " << it.key());
    REQUIRE(actual.contains(it.key()));
    if (it->is_object()) {
      require_contains(actual[it.key()], *it);
    } else {
      REQUIRE(actual[it.key()] == *it);
    }
  }
}

binary::Bytes bytes(std::string_view s) { return binary::Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("send c2c builds the ordered conversation id from the sender") {
  auto r = parse_request("$im/send/c2c/bob", R"({"cmid": "m-0002", "type": "text", "body": "see you at 6"})", "alice");
  auto send = request_as<binary::SendFrame>(r);
  CHECK(send.conv.value == "c2c:alice:bob");
  CHECK(send.cmid.value == "m-0002");
  CHECK(send.kind == binary::MessageKind::kText);
  CHECK(send.body == bytes("see you at 6"));
  CHECK(r.context.cmid == "m-0002");
  CHECK(r.context.conv == "c2c:alice:bob");
  auto r2 = parse_request("send/c2c/alice", R"({"cmid": "x", "type": "text", "body": "hi"})", "bob");
  CHECK(request_as<binary::SendFrame>(r2).conv.value == "c2c:alice:bob");
}

TEST_CASE("send group, room and custom bodies") {
  auto g = parse_request("$im/send/group/team", R"({"cmid":"c1","type":"text","body":"x"})", "carol");
  CHECK(request_as<binary::SendFrame>(g).conv.value == "group:team");
  auto room = parse_request("$im/send/room/live42", R"({"cmid":"c1","type":"text","body":"x"})", "carol");
  CHECK(request_as<binary::SendFrame>(room).conv.value == "room:live42");
  auto c = parse_request("$im/send/c2c/bob",
                         R"({"cmid": "m-0003", "type": "custom", "custom_type": "app.card", "body": {"title": "Order #12"}})",
                         "alice");
  auto send = request_as<binary::SendFrame>(c);
  CHECK(send.kind == binary::MessageKind::kCustom);
  CHECK(send.custom_type == "app.card");
  CHECK(json::parse(std::string(send.body.begin(), send.body.end())) == json{{"title", "Order #12"}});
}

TEST_CASE("media body round trip through MediaBody") {
  auto r = parse_request(
      "$im/send/group/team",
      R"({"cmid":"c-77","type":"image","body":{"media_id":"m_01HZX3","mime_type":"image/jpeg","size":123456,"width":1280,"height":720,"thumbnail":"AAEC"}})",
      "carol");
  auto send = request_as<binary::SendFrame>(r);
  binary::MediaBody media;
  REQUIRE(binary::decode_media_body(send.body, media) == binary::DecodeError::kNone);
  CHECK(media.media_id == "m_01HZX3");
  CHECK(media.width == 1280);
  CHECK(media.thumbnail == binary::Bytes{0, 1, 2});

  binary::MessageEntry m;
  m.conv = send.conv;
  m.msg_id = 7180000000000000777ULL;
  m.seq = 9;
  m.kind = send.kind;
  m.body = send.body;
  auto j = json::parse(entry_json(m));
  CHECK(j["body"] == json::parse(
                         R"({"media_id":"m_01HZX3","mime_type":"image/jpeg","size":123456,"width":1280,"height":720,"thumbnail":"AAEC"})"));
  CHECK(j["type"] == "image");
}

TEST_CASE("errors: bad JSON, unknown topic, system type, bad ids") {
  auto bad = parse_request("$im/sync", "{not json", "alice");
  CHECK(!bad.ok());
  CHECK(bad.code == HERALD_REASON_PAYLOAD_FORMAT_INVALID);
  auto unknown = parse_request("$im/nope", "{}", "alice");
  CHECK(unknown.code == HERALD_REASON_TOPIC_NAME_INVALID);
  CHECK(parse_request("$im/nope", "garbage", "alice").code == HERALD_REASON_TOPIC_NAME_INVALID);
  CHECK(parse_request("$im/group/explode", "{}", "alice").code == HERALD_REASON_TOPIC_NAME_INVALID);
  CHECK(parse_request("$im/send/c2c/bob", R"({"cmid":"a","type":"system","body":"x"})", "alice").code ==
        HERALD_REASON_INVALID_REQUEST);
  CHECK(parse_request("$im/send/c2c/alice", R"({"cmid":"a","type":"text","body":"x"})", "alice").code ==
        HERALD_REASON_INVALID_ID);
  CHECK(parse_request("$im/send/c2c/bob", R"({"cmid":"a","type":"text","body":5})", "alice").code ==
        HERALD_REASON_PAYLOAD_FORMAT_INVALID);
  CHECK(parse_request("$im/read", R"({"conv":"bogus","seq":1})", "alice").code == HERALD_REASON_INVALID_ID);
  CHECK(parse_request("$im/unread", R"({"op":"explode"})", "alice").code == HERALD_REASON_INVALID_REQUEST);
  CHECK(parse_request("$im/unread", R"({"op":"mute"})", "alice").code == HERALD_REASON_INVALID_REQUEST);  // needs convs
  auto missing = parse_request("$im/recall", R"({"conv":"c2c:alice:bob","req_id":"r1"})", "alice");
  CHECK(missing.code == HERALD_REASON_INVALID_REQUEST);
  CHECK(missing.context.req_id == "r1");

  auto e = json::parse(error_entry(unknown.code, unknown.reason, unknown.context));
  CHECK(e["kind"] == "error");
  CHECK(e["topic"] == "$im/nope");
  CHECK(e["code"] == 0x90);
}

TEST_CASE("requests of Part II section 18") {
  auto sync = request_as<binary::SyncRequestFrame>(parse_request("$im/sync", R"({"since": 1000, "limit": 100})", "a"));
  CHECK(sync.since == 1000);
  CHECK(sync.limit == 100);
  auto read = request_as<binary::ReadFrame>(parse_request("$im/read", R"({"conv": "c2c:alice:bob", "seq": 43})", "bob"));
  CHECK(read.seq == 43);
  auto recall_r = parse_request("$im/recall", R"({"conv": "c2c:alice:bob", "msg_id": "7180000000000000002", "req_id": "r1"})", "alice");
  CHECK(request_as<binary::RecallFrame>(recall_r).msg_id == 7180000000000000002ULL);
  CHECK(recall_r.context.req_id == "r1");
  auto del = request_as<binary::DeleteFrame>(
      parse_request("$im/delete", R"({"conv": "group:team", "msg_ids": ["7180000000000000777"], "req_id": "r2"})", "a"));
  CHECK(del.msg_ids == std::vector<std::uint64_t>{7180000000000000777ULL});
  auto hist = request_as<binary::HistoryRequestFrame>(
      parse_request("$im/history", R"({"conv": "group:team", "before": 300, "limit": 20, "req_id": "h1"})", "a"));
  CHECK(hist.before_seq == 300);
  CHECK(hist.limit == 20);
  CHECK(request_as<binary::HistoryRequestFrame>(parse_request("$im/history", R"({"conv":"group:team","after":5})", "a")).after_seq == 5);
  CHECK(request_as<binary::UnreadRequestFrame>(parse_request("$im/unread", R"({"req_id": "u1"})", "a")).convs.empty());
  CHECK(request_as<binary::UnreadRequestFrame>(parse_request("$im/unread", R"({"req_id": "u1", "op": "mark_all_read"})", "a"))
            .op == binary::UnreadOp::kMarkAllRead);
  CHECK(request_as<binary::UnreadRequestFrame>(
            parse_request("$im/unread", R"({"req_id": "u1", "op": "mute", "convs": ["group:team"]})", "a"))
            .op == binary::UnreadOp::kMute);
  CHECK(request_as<binary::UnreadRequestFrame>(parse_request("$im/unread", R"({"req_id": "u1", "convs": ["group:team"]})", "a"))
            .convs.size() == 1);

  auto create = request_as<binary::GroupOpFrame>(
      parse_request("$im/group/create", R"({"req_id":"g1","group":"team","name":"Team","members":["bob","carol"]})", "alice"));
  CHECK(create.op == binary::GroupOp::kCreate);
  CHECK(create.members.size() == 2);
  CHECK(request_as<binary::GroupOpFrame>(parse_request("$im/group/set_role", R"({"req_id":"g3","group":"team","members":["bob"],"role":"admin"})", "a"))
            .role == binary::GroupRole::kAdmin);
  CHECK(request_as<binary::GroupOpFrame>(parse_request("$im/group/mute_member", R"({"req_id":"g4","group":"team","members":["dave"],"mute_until":1700003600000})", "a"))
            .mute_until_ms == 1700003600000ULL);
  CHECK(request_as<binary::GroupOpFrame>(parse_request("$im/group/mute_all", R"({"req_id":"g5","group":"team","mute_until":0})", "a")).op ==
        binary::GroupOp::kMuteAll);
  auto list = request_as<binary::GroupOpFrame>(
      parse_request("$im/group/list_members", R"({"req_id":"g6","group":"team","offset":0,"limit":50})", "a"));
  CHECK(list.limit == 50);
  CHECK(request_as<binary::GroupOpFrame>(parse_request("$im/group/info", R"({"req_id":"g7","group":"team"})", "a")).op ==
        binary::GroupOp::kInfo);

  auto join = parse_request("$im/room/join", R"({"req_id":"j1","room":"live42","history":30})", "a");
  CHECK(request_as<binary::RoomOpFrame>(join).history_limit == 30);
  CHECK(request_as<binary::RoomOpFrame>(join).op == binary::RoomOp::kJoin);
  CHECK(request_as<binary::RoomOpFrame>(parse_request("$im/room/leave", R"({"req_id":"j2","room":"live42"})", "a")).op ==
        binary::RoomOp::kLeave);

  auto token = request_as<binary::PushTokenFrame>(parse_request(
      "$im/push_token", R"({"req_id":"p1","provider":"apns","app_id":"com.example.chat","token":"a1b2","sandbox":false})", "a"));
  CHECK(token.provider == binary::PushProvider::kApns);
  CHECK(token.token == "a1b2");
}

TEST_CASE("inbox: msg and signal entries match section 16") {
  binary::MessageEntry m;
  m.conv.value = "c2c:alice:bob";
  m.msg_id = 7180000000000000001ULL;
  m.seq = 42;
  m.version = 1001;
  m.prev_version = 1000;
  m.from.value = "alice";
  m.device.value = "phone1";
  m.cmid.value = "m-0001";
  m.kind = binary::MessageKind::kText;
  m.body = bytes("hi 👋");
  m.ts_ms = 1700000000123;
  binary::SignalEntry s;
  s.kind = binary::SignalKind::kRecall;
  s.conv.value = "c2c:alice:bob";
  s.msg_ids = {7180000000000000001ULL};
  s.by.value = "alice";
  s.device.value = "phone1";
  s.ts_ms = 1700000060000;
  s.version = 1003;
  s.prev_version = 1002;
  binary::PushFrame push;
  push.entries = {m, s};
  auto entries = inbox_entries(push);
  REQUIRE(entries.size() == 2);
  CHECK(json::parse(entries[0]) == json::parse(R"({"kind":"msg","conv":"c2c:alice:bob","msg_id":"7180000000000000001","seq":42,"version":1001,
 "prev_version":1000,"from":"alice","device":"phone1","cmid":"m-0001","type":"text","body":"hi 👋",
 "ts":1700000000123})"));
  CHECK(json::parse(entries[1]) == json::parse(R"({"kind":"signal","signal":"recall","conv":"c2c:alice:bob","msg_ids":["7180000000000000001"],"by":"alice",
 "device":"phone1","ts":1700000060000,"version":1003,"prev_version":1002})"));
  CHECK(entries[0].rfind(R"({"kind":"msg")", 0) == 0);  // kind comes first
  CHECK_FALSE(json::parse(entries[0]).contains("badge"));  // 0: absent
  push.badge = 7;
  CHECK(json::parse(inbox_entries(push)[0])["badge"] == 7);
}

TEST_CASE("inbox: ack, sync_end, history, results, error") {
  binary::SendAckFrame ack{binary::ClientMsgId{"m-0002"}, 7180000000000000002ULL, 43, 1700000070000, 1004, 1003, false};
  ReplyContext ctx;
  ctx.cmid = "m-0002";
  ctx.conv = "c2c:alice:bob";
  auto a = inbox_entries(ack, ctx);
  REQUIRE(a.size() == 1);
  CHECK(json::parse(a[0]) == json::parse(R"({"kind":"ack","cmid":"m-0002","msg_id":"7180000000000000002","seq":43,"version":1004,"prev_version":1003,
   "conv":"c2c:alice:bob","ts":1700000070000})"));

  binary::SyncPageFrame page;
  page.next_version = 1100;
  page.chain_broken = true;
  page.recent_convs = {{binary::ConversationId{"c2c:alice:bob"}, 57}, {binary::ConversationId{"group:team"}, 311}};
  auto p = inbox_entries(page);
  REQUIRE(p.size() == 1);
  CHECK(json::parse(p[0]) == json::parse(R"({"kind":"sync_end","version":1100,"more":false,"chain_broken":true,
 "recent_convs":[{"conv":"c2c:alice:bob","seq":57},{"conv":"group:team","seq":311}]})"));

  binary::HistoryPageFrame hist;
  hist.conv.value = "group:team";
  hist.more = true;
  binary::MessageEntry hm;
  hm.conv.value = "group:team";
  hm.msg_id = 7180000000000000700ULL;
  hm.seq = 280;
  hm.from.value = "carol";
  hm.device.value = "web";
  hm.cmid.value = "c-70";
  hm.kind = binary::MessageKind::kText;
  hm.body = bytes("hello");
  hm.ts_ms = 1699999999000;
  hist.messages = {hm};
  ReplyContext h1;
  h1.req_id = "h1";
  auto h = inbox_entries(hist, h1);
  CHECK(json::parse(h.at(0)) == json::parse(R"({"kind":"history","req_id":"h1","conv":"group:team","more":true,
 "messages":[{"conv":"group:team","msg_id":"7180000000000000700","seq":280,"from":"carol","device":"web",
              "cmid":"c-70","type":"text","body":"hello","ts":1699999999000}]})"));

  binary::UnreadResultFrame unread;
  unread.total = 5;
  unread.convs = {{binary::ConversationId{"group:team"}, 5, 311, 306}};
  ReplyContext u1;
  u1.req_id = "u1";
  CHECK(json::parse(inbox_entries(unread, u1).at(0)) == json::parse(R"({"kind":"result","req_id":"u1","ok":true,"unread":{"total":5,
 "convs":[{"conv":"group:team","count":5,"last_seq":311,"read_seq":306}]}})"));
  unread.convs[0].muted = true;  // a muted conversation says so (and is left out of the total)
  CHECK(json::parse(inbox_entries(unread, u1).at(0))["unread"]["convs"][0]["muted"] == true);

  binary::ResultFrame created;
  created.conv.value = "group:team";
  created.group = binary::GroupInfo{binary::GroupId{"team"}, "Team", binary::UserId{"alice"}, 3, 0, 1700000000000, 0};
  ReplyContext g1;
  g1.req_id = "g1";
  CHECK(json::parse(inbox_entries(created, g1).at(0)) == json::parse(R"({"kind":"result","req_id":"g1","ok":true,"conv":"group:team",
 "group":{"group":"team","name":"Team","owner":"alice","member_count":3,"created":1700000000000,"last_seq":0}})"));

  binary::ResultFrame members;
  members.members = {{binary::UserId{"alice"}, binary::GroupRole::kOwner, 0, 0},
                     {binary::UserId{"bob"}, binary::GroupRole::kAdmin, 0, 0}};
  ReplyContext g6;
  g6.req_id = "g6";
  g6.op = "group/list_members";
  auto mj = json::parse(inbox_entries(members, g6).at(0));
  require_contains(mj, json::parse(R"({"kind":"result","req_id":"g6","ok":true,"next_offset":0})"));
  CHECK(mj["members"][1]["role"] == "admin");

  ReplyContext j1;
  j1.req_id = "j1";
  j1.op = "room/join";
  binary::ResultFrame joined;
  joined.conv.value = "room:live42";
  CHECK(json::parse(inbox_entries(joined, j1).at(0)) ==
        json::parse(R"({"kind":"result","req_id":"j1","ok":true,"conv":"room:live42","messages":[]})"));

  ReplyContext g3;
  g3.req_id = "g3";
  binary::ErrorFrame err{HERALD_REASON_FORBIDDEN_ROLE, "role does not allow this operation", 0};
  CHECK(json::parse(inbox_entries(err, g3).at(0)) ==
        json::parse(R"({"kind":"error","req_id":"g3","code":270,"reason":"role does not allow this operation"})"));
  ReplyContext send_ctx;
  send_ctx.cmid = "m-0002";
  CHECK(json::parse(error_entry(HERALD_REASON_NOT_MEMBER, "", send_ctx)) ==
        json::parse(R"({"kind":"error","cmid":"m-0002","code":257,"reason":"not a member of the conversation"})"));
  CHECK(reason_mqtt5(HERALD_REASON_NOT_MEMBER) == 0x87);
}

TEST_CASE("base64 round trip") {
  for (std::size_t n = 0; n < 10; ++n) {
    binary::Bytes b;
    for (std::size_t i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(i * 37 + 1));
    auto back = base64_decode(base64_encode(b));
    REQUIRE(back);
    CHECK(*back == b);
  }
  CHECK(base64_encode(bytes("foobar")) == "Zm9vYmFy");
  CHECK(!base64_decode("@@@@"));
}

TEST_CASE("custom body that is not JSON is rendered as a string") {
  binary::MessageEntry m;
  m.conv.value = "group:team";
  m.msg_id = 1;
  m.kind = binary::MessageKind::kCustom;
  m.custom_type = "app.raw";
  m.body = bytes("plain words");
  auto j = json::parse(entry_json(m));
  CHECK(j["body"] == "plain words");
  CHECK(j["custom_type"] == "app.raw");
}

TEST_CASE("errors of a bad topic name the topic even with a req_id, result messages carry no kind") {
  auto r = parse_request("$im/group/explode", R"({"req_id":"g9"})", "alice");
  REQUIRE(!r.ok());
  auto e = json::parse(error_entry(r.code, r.reason, r.context));
  CHECK(e["req_id"] == "g9");
  CHECK(e["topic"] == "$im/group/explode");
  CHECK(e["code"] == HERALD_REASON_TOPIC_NAME_INVALID);

  binary::ResultFrame joined;
  joined.conv.value = "room:live42";
  binary::MessageEntry m;
  m.conv.value = "room:live42";
  m.msg_id = 3;
  m.seq = 3;
  m.kind = binary::MessageKind::kSystem;
  m.body = bytes("welcome");
  m.priority = true;
  joined.messages = {m};
  ReplyContext ctx;
  ctx.req_id = "j1";
  ctx.op = "room/join";
  auto j = json::parse(inbox_entries(joined, ctx).at(0));
  REQUIRE(j["messages"].size() == 1);
  CHECK_FALSE(j["messages"][0].contains("kind"));
  CHECK(j["messages"][0]["priority"] == true);
  CHECK(j["messages"][0]["type"] == "system");
  CHECK(j["messages"][0]["body"] == "welcome");
}
