// The messaging core through its C service table ("herald.im.v1"), with a real Server, real SQLite in
// a temp dir and the inbound pipeline im.store -> im.route. Waits are bounded futures, never sleeps.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>

#include <herald/binary/codec.h>

#include "messaging/im_plugin.h"
#include "server/server.h"
#include "test_files.h"

namespace bin = herald::binary;
using herald::sdk::to_str;

namespace {

// Records what the core hands to a front.
struct RecordingSink {
  struct Push {
    std::string user, except;
    bin::PushFrame frame;
  };
  herald_im_sink_v1 sink{};
  std::mutex mutex;
  std::vector<Push> pushes;
  std::vector<uint32_t> room_loops;

  RecordingSink() {
    sink.struct_size = sizeof(sink);
    sink.arg = this;
    sink.deliver = [](void* arg, herald_str user, herald_str except, herald_str frame) {
      auto* self = static_cast<RecordingSink*>(arg);
      auto d = bin::decode_frame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data), frame.size),
                                 {bin::kMaxFrameSizeCeiling, 1024, false});
      std::lock_guard lock(self->mutex);
      self->pushes.push_back({std::string(user.data, user.size), std::string(except.data, except.size),
                              std::get<bin::PushFrame>(d.frame.body)});
    };
    sink.deliver_room = [](void* arg, uint32_t loop, herald_str, herald_str) {
      auto* self = static_cast<RecordingSink*>(arg);
      std::lock_guard lock(self->mutex);
      self->room_loops.push_back(loop);
    };
  }
  std::vector<Push> take() {
    std::lock_guard lock(mutex);
    return std::exchange(pushes, {});
  }
  size_t room_calls() {
    std::lock_guard lock(mutex);
    return room_loops.size();
  }
};

// A Server with the built-in "im" plugin on a temp data dir; restartable on the same dir.
class ImHarness {
 public:
  explicit ImHarness(std::string im_config = "{}", herald::test::TempDir* shared_dir = nullptr)
      : dir_(shared_dir ? shared_dir : &own_dir_) {
    herald::messaging::register_builtin();
    herald::test::write_file(dir_->file("herald.yaml"),
                             "service:\n  loops: 2\n  node_id: test-1\n  data_dir: " + dir_->file("var") +
                                 "\nmetrics:\n  enabled: false\nplugins:\n  - name: im\n    config: " +
                                 im_config + "\npipelines:\n  inbound:\n    - stage: im.store\n    - stage: im.route\n");
    server_ = std::make_unique<herald::Server>(dir_->file("herald.yaml"));
    auto st = server_->start();
    INFO((st.ok() ? std::string() : st.error().message));
    REQUIRE(st.ok());
    im_ = herald::messaging::running_service();
    REQUIRE(im_ != nullptr);
    im_->attach_sink(im_->self, &sink.sink);
  }
  ~ImHarness() {
    if (server_) {
      im_->detach_sink(im_->self, &sink.sink);
      server_->stop();
    }
  }

  const herald_im_service_v1* im() const { return im_; }

  // One request as (user, device); the decoded response (nullopt: empty reply, e.g. PUSH_ACK).
  std::optional<bin::FrameBody> call(const std::string& user, const std::string& device, bin::FrameBody body,
                                     uint32_t loop = UINT32_MAX) {
    std::vector<uint8_t> bytes;
    REQUIRE(bin::encode_frame(bin::Frame{0, false, std::move(body)}, bytes,
                              {bin::kMaxFrameSizeCeiling, false, 6}) == bin::EncodeStatus::kOk);
    herald_im_session s{sizeof(herald_im_session), to_str(user), to_str(device), to_str("binary"), to_str("test"),
                        to_str(""), loop};
    auto* promise = new std::promise<std::string>();
    auto fut = promise->get_future();
    im_->request(im_->self, &s, herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                 [](void* arg, herald_str frame) {
                   std::unique_ptr<std::promise<std::string>> p(static_cast<std::promise<std::string>*>(arg));
                   p->set_value(std::string(frame.data, frame.size));
                 },
                 promise);
    REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    std::string out = fut.get();
    if (out.empty()) return std::nullopt;
    auto d = bin::decode_frame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()),
                               {bin::kMaxFrameSizeCeiling, 1024, false});
    REQUIRE(d.status == bin::DecodeStatus::kOk);
    return d.frame.body;
  }
  template <class T>
  T expect(const std::string& user, const std::string& device, bin::FrameBody body) {
    auto r = call(user, device, std::move(body));
    REQUIRE(r.has_value());
    if (auto* err = std::get_if<bin::ErrorFrame>(&*r)) FAIL("ERROR " << err->code << ": " << err->text);
    REQUIRE(std::holds_alternative<T>(*r));
    return std::get<T>(*r);
  }
  uint16_t error_code(const std::string& user, const std::string& device, bin::FrameBody body) {
    auto r = call(user, device, std::move(body));
    REQUIRE(r.has_value());
    auto* err = std::get_if<bin::ErrorFrame>(&*r);
    REQUIRE(err != nullptr);
    return err->code;
  }
  bin::SendAckFrame send(const std::string& user, const std::string& conv, const std::string& cmid,
                         const std::string& text = "hi", const std::string& device = "d1") {
    bin::SendFrame f;
    f.conv.value = conv;
    f.cmid.value = cmid;
    f.kind = bin::MessageKind::kText;
    f.body.assign(text.begin(), text.end());
    return expect<bin::SendAckFrame>(user, device, f);
  }
  void presence(const std::string& user, const std::string& device, bool online) {
    herald_im_session s{sizeof(herald_im_session), to_str(user), to_str(device), to_str("binary"), to_str(""),
                        to_str(""), 0};
    (online ? im_->session_opened : im_->session_closed)(im_->self, &s);
  }
  bin::ResultFrame group(const std::string& user, bin::GroupOp op, const std::string& group,
                         std::vector<std::string> members = {}) {
    bin::GroupOpFrame f;
    f.op = op;
    f.group.value = group;
    for (auto& m : members) f.members.push_back({m});
    return expect<bin::ResultFrame>(user, "d1", f);
  }

  RecordingSink sink;

 private:
  herald::test::TempDir own_dir_;
  herald::test::TempDir* dir_;
  std::unique_ptr<herald::Server> server_;
  const herald_im_service_v1* im_ = nullptr;
};

const bin::MessageEntry& message(const bin::TimelineEntry& e) { return std::get<bin::MessageEntry>(e); }

}  // namespace

TEST_CASE("send is acked after commit, and a resend of the cmid returns the original ack and stores nothing") {
  ImHarness h;
  auto ack = h.send("alice", "c2c:alice:bob", "m1");
  CHECK(ack.msg_id != 0);
  CHECK(ack.conv_seq == 1);
  CHECK(ack.version == 1);
  CHECK(ack.prev_version == 0);
  CHECK_FALSE(ack.duplicate);
  auto pushes = h.sink.take();
  REQUIRE(pushes.size() == 1);  // bob; alice has no other device online (d1 is the sender)
  CHECK(pushes[0].user == "bob");
  CHECK(pushes[0].except.empty());
  CHECK(message(pushes[0].frame.entries.at(0)).msg_id == ack.msg_id);
  CHECK(h.im()->user_version(h.im()->self, to_str("bob")) == 1);

  auto again = h.send("alice", "c2c:alice:bob", "m1");
  CHECK(again.duplicate);
  CHECK(again.msg_id == ack.msg_id);
  CHECK(again.conv_seq == 1);
  CHECK(again.version == ack.version);
  CHECK(h.sink.take().empty());
  h.presence("alice", "d1", true);  // the sending device alone: still nobody else to tell
  CHECK(h.send("alice", "c2c:alice:bob", "m2").conv_seq == 2);
  CHECK(h.sink.take().size() == 1);
  h.presence("alice", "d2", true);  // another device of alice: it gets the message too
  auto third = h.send("alice", "c2c:alice:bob", "m3");
  pushes = h.sink.take();
  REQUIRE(pushes.size() == 2);
  for (auto& p : pushes) {
    CHECK(message(p.frame.entries.at(0)).msg_id == third.msg_id);
    CHECK(p.except == (p.user == "alice" ? "d1" : ""));
  }

  bin::SendFrame outsider;
  outsider.conv.value = "c2c:alice:bob";
  outsider.cmid.value = "x";
  outsider.kind = bin::MessageKind::kText;
  CHECK(h.error_code("carol", "d1", outsider) == HERALD_REASON_NOT_MEMBER);
  bin::SendFrame big = outsider;
  big.body.assign(70 * 1024, 'a');
  CHECK(h.error_code("alice", "d1", big) == HERALD_REASON_PAYLOAD_TOO_LARGE);
}

TEST_CASE("conv seq and msg ids continue after a restart") {
  herald::test::TempDir dir;
  bin::SendAckFrame last;
  {
    ImHarness h("{}", &dir);
    for (int i = 1; i <= 3; ++i) last = h.send("alice", "c2c:alice:bob", "c" + std::to_string(i));
    CHECK(last.conv_seq == 3);
  }
  ImHarness h("{}", &dir);
  auto next = h.send("alice", "c2c:alice:bob", "c4");
  CHECK(next.conv_seq == 4);
  CHECK(next.msg_id > last.msg_id);
  CHECK(next.prev_version == last.version);
  CHECK(h.im()->user_version(h.im()->self, to_str("alice")) == next.version);
  CHECK(h.send("alice", "c2c:alice:bob", "c1").duplicate);  // dedup survives the restart
}

TEST_CASE("sync pages in version order, and retention breaks the chain and names recent conversations") {
  SECTION("paging") {
    ImHarness h;
    for (int i = 1; i <= 5; ++i) h.send("alice", "c2c:alice:bob", "p" + std::to_string(i));
    auto p1 = h.expect<bin::SyncPageFrame>("bob", "d1", bin::SyncRequestFrame{0, 2});
    REQUIRE(p1.entries.size() == 2);
    CHECK(p1.more);
    CHECK(p1.next_version == 2);
    CHECK(message(p1.entries[0]).seq == 1);
    CHECK(message(p1.entries[1]).prev_version == 1);
    auto p2 = h.expect<bin::SyncPageFrame>("bob", "d1", bin::SyncRequestFrame{p1.next_version, 10});
    REQUIRE(p2.entries.size() == 3);
    CHECK_FALSE(p2.more);
    CHECK_FALSE(p2.chain_broken);
    CHECK(p2.next_version == 5);
    CHECK(message(p2.entries[2]).body == std::vector<uint8_t>{'h', 'i'});
  }
  SECTION("retention") {
    ImHarness h("{retention: {max_entries: 3}}");
    for (int i = 1; i <= 6; ++i) h.send("alice", "c2c:alice:bob", "r" + std::to_string(i));
    auto page = h.expect<bin::SyncPageFrame>("bob", "d1", bin::SyncRequestFrame{0, 100});
    CHECK(page.chain_broken);
    CHECK(page.entries.size() == 3);
    REQUIRE(page.recent_convs.size() == 1);
    CHECK(page.recent_convs[0].conv.value == "c2c:alice:bob");
    CHECK(page.recent_convs[0].seq == 6);
    auto fresh = h.expect<bin::SyncPageFrame>("bob", "d1", bin::SyncRequestFrame{page.next_version, 100});
    CHECK_FALSE(fresh.chain_broken);
    CHECK(fresh.entries.empty());
  }
}

TEST_CASE("group history starts after the member's join_seq, and a removed member stops receiving") {
  ImHarness h;
  auto created = h.group("alice", bin::GroupOp::kCreate, "g1", {"bob"});
  CHECK(created.conv.value == "group:g1");
  REQUIRE(created.group);
  CHECK(created.group->member_count == 2);
  h.send("alice", "group:g1", "g-1");
  h.send("alice", "group:g1", "g-2");
  CHECK(h.group("bob", bin::GroupOp::kInfo, "g1").group->owner.value == "alice");
  bin::GroupOpFrame forbidden{bin::GroupOp::kAddMembers, {"g1"}, "", {{"carol"}}, {}, 0, 0, 0};
  CHECK(h.error_code("bob", "d1", forbidden) == HERALD_REASON_FORBIDDEN_ROLE);
  h.group("alice", bin::GroupOp::kAddMembers, "g1", {"carol"});
  auto last = h.send("alice", "group:g1", "g-3");

  bin::HistoryRequestFrame req;
  req.conv.value = "group:g1";
  auto carol = h.expect<bin::HistoryPageFrame>("carol", "d1", req);
  REQUIRE(carol.messages.size() == 2);  // the "added" notice and g-3
  CHECK(carol.messages[0].kind == bin::MessageKind::kSystem);
  CHECK(carol.messages[1].msg_id == last.msg_id);
  auto alice = h.expect<bin::HistoryPageFrame>("alice", "d1", req);
  CHECK(alice.messages.size() == 5);
  for (size_t i = 1; i < alice.messages.size(); ++i) CHECK(alice.messages[i].seq == alice.messages[i - 1].seq + 1);
  req.limit = 2;
  auto page = h.expect<bin::HistoryPageFrame>("alice", "d1", req);
  CHECK(page.more);
  CHECK(page.messages.back().seq == last.conv_seq);
  CHECK(h.error_code("dave", "d1", req) == HERALD_REASON_NOT_MEMBER);

  h.group("alice", bin::GroupOp::kRemoveMembers, "g1", {"bob"});
  h.sink.take();
  h.send("alice", "group:g1", "g-4");
  for (auto& p : h.sink.take()) CHECK(p.user != "bob");
  bin::SendFrame f{{"group:g1"}, {"b-1"}, bin::MessageKind::kText, "", {}};
  CHECK(h.error_code("bob", "d1", f) == HERALD_REASON_NOT_MEMBER);
}

TEST_CASE("read-diffusion groups deliver only to online members, with version 0") {
  ImHarness h("{groups: {write_diffusion_max: 2}}");
  h.group("alice", bin::GroupOp::kCreate, "big", {"bob", "carol"});
  h.presence("bob", "phone", true);
  h.sink.take();
  h.send("alice", "group:big", "b1");
  auto pushes = h.sink.take();
  REQUIRE(pushes.size() == 1);
  CHECK(pushes[0].user == "bob");
  CHECK(message(pushes[0].frame.entries[0]).version == 0);
  h.presence("bob", "phone", false);
  h.send("alice", "group:big", "b2");
  CHECK(h.sink.take().empty());
}

TEST_CASE("a room message is fanned out once per loop, and joining returns recent history") {
  ImHarness h;
  bin::SendFrame f{{"room:lobby"}, {"r1"}, bin::MessageKind::kText, "", {'y', 'o'}};
  CHECK(h.error_code("alice", "d1", f) == HERALD_REASON_NOT_MEMBER);
  auto joined = h.expect<bin::ResultFrame>("alice", "d1", bin::RoomOpFrame{bin::RoomOp::kJoin, {"lobby"}, 10});
  CHECK(joined.conv.value == "room:lobby");
  auto ack = h.expect<bin::SendAckFrame>("alice", "d1", f);
  CHECK(ack.conv_seq == 1);
  CHECK(h.sink.room_calls() == 2);  // loops: 2
  auto late = h.expect<bin::ResultFrame>("bob", "d1", bin::RoomOpFrame{bin::RoomOp::kJoin, {"lobby"}, 10});
  REQUIRE(late.messages.size() == 1);
  CHECK(late.messages[0].msg_id == ack.msg_id);
  h.presence("alice", "d1", true);
  h.presence("alice", "d1", false);  // a dropped connection leaves its rooms
  f.cmid.value = "r2";
  CHECK(h.error_code("alice", "d1", f) == HERALD_REASON_NOT_MEMBER);
}

TEST_CASE("recall within the window marks the message recalled, and only the sender may recall") {
  ImHarness h;
  auto ack = h.send("alice", "c2c:alice:bob", "m1", "secret");
  CHECK(h.error_code("bob", "d1", bin::RecallFrame{{"c2c:alice:bob"}, ack.msg_id}) == HERALD_REASON_NOT_AUTHORIZED);
  h.sink.take();
  auto r = h.expect<bin::ResultFrame>("alice", "d1", bin::RecallFrame{{"c2c:alice:bob"}, ack.msg_id});
  CHECK(r.version == ack.version + 1);
  CHECK(h.sink.take().size() == 2);  // the recall signal to both participants
  bin::HistoryRequestFrame req;
  req.conv.value = "c2c:alice:bob";
  auto page = h.expect<bin::HistoryPageFrame>("bob", "d1", req);
  REQUIRE(page.messages.size() == 1);
  CHECK(page.messages[0].recalled);
  CHECK(page.messages[0].body.empty());
}

TEST_CASE("recall after the window is refused") {
  ImHarness h("{recall_window: 1ms}");
  auto ack = h.send("alice", "c2c:alice:bob", "m1");
  // Time must pass beyond the 1 ms window: this waits for the clock, not for another thread.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(h.error_code("alice", "d1", bin::RecallFrame{{"c2c:alice:bob"}, ack.msg_id}) ==
        HERALD_REASON_RECALL_WINDOW_EXPIRED);
}

TEST_CASE("delete-for-me tombstones the message for the caller only") {
  ImHarness h;
  auto ack = h.send("alice", "c2c:alice:bob", "m1");
  h.send("alice", "c2c:alice:bob", "m2");
  h.sink.take();
  auto r = h.expect<bin::ResultFrame>("bob", "d1", bin::DeleteFrame{{"c2c:alice:bob"}, {ack.msg_id}});
  CHECK(r.version == 3);
  auto pushes = h.sink.take();
  REQUIRE(pushes.size() == 1);  // bob's other devices only
  CHECK(pushes[0].user == "bob");
  CHECK(pushes[0].except == "d1");
  bin::HistoryRequestFrame req;
  req.conv.value = "c2c:alice:bob";
  CHECK(h.expect<bin::HistoryPageFrame>("bob", "d1", req).messages.size() == 1);
  CHECK(h.expect<bin::HistoryPageFrame>("alice", "d1", req).messages.size() == 2);
}

TEST_CASE("read cursors drive unread counts and reach the peer as a receipt") {
  ImHarness h;
  h.send("alice", "c2c:alice:bob", "m1");
  h.send("alice", "c2c:alice:bob", "m2");
  auto unread = h.expect<bin::UnreadResultFrame>("bob", "d1", bin::UnreadRequestFrame{});
  CHECK(unread.total == 2);
  CHECK(h.expect<bin::UnreadResultFrame>("alice", "d1", bin::UnreadRequestFrame{}).total == 0);
  h.sink.take();
  auto r = h.expect<bin::ResultFrame>("bob", "d1", bin::ReadFrame{{"c2c:alice:bob"}, 1});
  CHECK(r.version == 3);
  CHECK(h.sink.take().size() == 2);
  CHECK(h.expect<bin::UnreadResultFrame>("bob", "d1", bin::UnreadRequestFrame{}).total == 1);
  CHECK_FALSE(h.call("bob", "d1", bin::PushAckFrame{3, {}, {}}).has_value());
  bin::PushTokenFrame token{bin::PushProvider::kFcm, "app", "tok", false, false};
  h.expect<bin::ResultFrame>("bob", "d1", token);
}

TEST_CASE("a SEND to a pipeline that does not exist is answered with an error naming it") {
  ImHarness h("{pipeline: nowhere}");
  bin::SendFrame f{{"c2c:alice:bob"}, {"m1"}, bin::MessageKind::kText, "", {}};
  auto r = h.call("alice", "d1", f);
  REQUIRE(r.has_value());
  auto* err = std::get_if<bin::ErrorFrame>(&*r);
  REQUIRE(err != nullptr);
  CHECK(err->code == HERALD_REASON_IMPLEMENTATION_SPECIFIC);
  CHECK(err->text.find("nowhere") != std::string::npos);
}

TEST_CASE("muted members and muted groups cannot send, and roles gate group ops") {
  ImHarness h;
  h.group("alice", bin::GroupOp::kCreate, "g", {"bob", "carol"});
  bin::GroupOpFrame mute{bin::GroupOp::kMuteMember, {"g"}, "", {{"bob"}}, {}, UINT64_MAX / 2, 0, 0};
  h.expect<bin::ResultFrame>("alice", "d1", mute);
  bin::SendFrame f{{"group:g"}, {"b1"}, bin::MessageKind::kText, "", {}};
  CHECK(h.error_code("bob", "d1", f) == HERALD_REASON_MUTED);
  bin::GroupOpFrame role{bin::GroupOp::kSetRole, {"g"}, "", {{"carol"}}, bin::GroupRole::kAdmin, 0, 0, 0};
  h.expect<bin::ResultFrame>("alice", "d1", role);
  bin::GroupOpFrame all{bin::GroupOp::kMuteAll, {"g"}, "", {}, {}, UINT64_MAX / 2, 0, 0};
  h.expect<bin::ResultFrame>("carol", "d1", all);
  f.cmid.value = "c1";
  h.expect<bin::SendAckFrame>("carol", "d1", f);  // admins speak in a muted group
  auto list = h.expect<bin::ResultFrame>("bob", "d1", bin::GroupOpFrame{bin::GroupOp::kListMembers, {"g"}, "", {}, {}, 0, 0, 2});
  CHECK(list.members.size() == 2);
  CHECK(list.next_offset == 2);
  CHECK(h.error_code("bob", "d1", bin::GroupOpFrame{bin::GroupOp::kDismiss, {"g"}, "", {}, {}, 0, 0, 0}) ==
        HERALD_REASON_FORBIDDEN_ROLE);
  h.expect<bin::ResultFrame>("alice", "d1", bin::GroupOpFrame{bin::GroupOp::kDismiss, {"g"}, "", {}, {}, 0, 0, 0});
  CHECK(h.error_code("alice", "d1", bin::GroupOpFrame{bin::GroupOp::kInfo, {"g"}, "", {}, {}, 0, 0, 0}) ==
        HERALD_REASON_NOT_FOUND);
}

namespace {
// A sink that takes offline pushes (herald_im_sink_v1.deliver_offline).
struct OfflineSink {
  struct Call {
    std::string user;
    uint32_t badge = 0;
    std::vector<std::pair<std::string, std::string>> targets;  // (device, token)
    uint64_t version = 0;                                      // of the first entry
  };
  herald_im_sink_v1 sink{};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Call> calls;
  OfflineSink() {
    sink.struct_size = sizeof(sink);
    sink.arg = this;
    sink.deliver = [](void*, herald_str, herald_str, herald_str) {};
    sink.deliver_room = [](void*, uint32_t, herald_str, herald_str) {};
    sink.deliver_offline = [](void* arg, herald_str user, herald_str frame, const herald_im_push_target* t, uint32_t n) {
      auto* self = static_cast<OfflineSink*>(arg);
      auto d = bin::decode_frame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data), frame.size));
      const auto& push = std::get<bin::PushFrame>(d.frame.body);
      Call c{std::string(user.data, user.size), push.badge, {},
             push.entries.empty() ? 0 : std::visit([](const auto& e) { return e.version; }, push.entries[0])};
      for (uint32_t i = 0; i < n; ++i)
        c.targets.emplace_back(std::string(t[i].device.data, t[i].device.size), std::string(t[i].token.data, t[i].token.size));
      std::lock_guard lock(self->mutex);
      self->calls.push_back(std::move(c));
      self->changed.notify_all();
    };
  }
  std::vector<Call> take() {
    std::lock_guard lock(mutex);
    return std::exchange(calls, {});
  }
  // Waits (bounded) until at least n calls arrived, then takes them.
  std::vector<Call> take(size_t n) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(10), [&] { return calls.size() >= n; });
    return std::exchange(calls, {});
  }
};
}  // namespace

TEST_CASE("offline push seam: devices with a token and no connection, after the commit, tokens replaced and moved") {
  ImHarness h;
  OfflineSink offline;
  h.im()->attach_sink(h.im()->self, &offline.sink);
  auto token = [&](const std::string& user, const std::string& device, const std::string& tok, bool remove = false) {
    h.expect<bin::ResultFrame>(user, device, bin::PushTokenFrame{bin::PushProvider::kApns, "app", tok, false, remove});
  };
  token("bob", "ios", "tok-ios");
  token("bob", "tab", "tok-tab");
  token("alice", "d1", "tok-alice");
  h.presence("bob", "tab", true);
  h.send("alice", "c2c:alice:bob", "m1");
  auto calls = offline.take();
  REQUIRE(calls.size() == 1);  // alice's only device sent it; bob's tablet is online
  CHECK(calls[0].user == "bob");
  CHECK(calls[0].targets == std::vector<std::pair<std::string, std::string>>{{"ios", "tok-ios"}});

  token("bob", "ios", "tok-ios-2");  // a new token replaces the device's old one
  token("carol", "phone", "tok-tab");  // the tablet's token now belongs to carol's phone
  h.presence("bob", "tab", false);
  h.send("alice", "c2c:alice:bob", "m2");
  calls = offline.take();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].targets == std::vector<std::pair<std::string, std::string>>{{"ios", "tok-ios-2"}});

  token("bob", "ios", "tok-ios", true);  // removing a stale token keeps the newer one
  h.send("alice", "c2c:alice:bob", "m3");
  calls = offline.take();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].targets.size() == 1);
  token("bob", "ios", "tok-ios-2", true);
  h.send("alice", "c2c:alice:bob", "m4");
  CHECK(offline.take().empty());
  h.im()->detach_sink(h.im()->self, &offline.sink);
}

TEST_CASE("ack timeout: an online device with a token that does not ack within push.ack_timeout is pushed") {
  ImHarness h("{push: {ack_timeout: 1s}}");
  OfflineSink offline;
  h.im()->attach_sink(h.im()->self, &offline.sink);
  h.expect<bin::ResultFrame>("bob", "tab", bin::PushTokenFrame{bin::PushProvider::kFcm, "app", "tok-tab", false, false});
  h.presence("bob", "tab", true);
  h.sink.take();
  auto version_for_bob = [&] {
    for (auto& p : h.sink.take())
      if (p.user == "bob") return message(p.frame.entries[0]).version;
    FAIL("no push for bob");
    return uint64_t{0};
  };

  h.send("alice", "c2c:alice:bob", "a1");  // delivered to the online tablet, never acked
  uint64_t v1 = version_for_bob();
  CHECK(offline.take().empty());  // online: not an offline push at once
  auto calls = offline.take(1);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].user == "bob");
  CHECK(calls[0].version == v1);
  CHECK(calls[0].targets == std::vector<std::pair<std::string, std::string>>{{"tab", "tok-tab"}});

  // Acked in time (cumulative, as binary clients do; then one version, as MQTT PUBACKs do): no push.
  h.send("alice", "c2c:alice:bob", "a2");
  uint64_t v2 = version_for_bob();
  CHECK(v2 > v1);
  CHECK_FALSE(h.call("bob", "tab", bin::PushAckFrame{v2, {}, {}}).has_value());
  h.send("alice", "c2c:alice:bob", "a3");
  uint64_t v3 = version_for_bob();
  CHECK_FALSE(h.call("bob", "tab", bin::PushAckFrame{0, {v3}, {}}).has_value());
  // A fourth, unacked: its push is the marker that the acked ones' waits have passed.
  h.send("alice", "c2c:alice:bob", "a4");
  uint64_t v4 = version_for_bob();
  calls = offline.take(1);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].version == v4);
  CHECK(calls[0].targets.size() == 1);
  CHECK(offline.take().empty());
  h.im()->detach_sink(h.im()->self, &offline.sink);
}

TEST_CASE("ack timeout: a device that went offline unacked is notified before a newer offline push, once") {
  ImHarness h("{push: {ack_timeout: 1s}}");
  OfflineSink offline;
  h.im()->attach_sink(h.im()->self, &offline.sink);
  h.expect<bin::ResultFrame>("bob", "tab", bin::PushTokenFrame{bin::PushProvider::kFcm, "app", "tok-tab", false, false});
  h.presence("bob", "tab", true);
  h.send("alice", "c2c:alice:bob", "b1");  // delivered while online, never acked
  h.presence("bob", "tab", false);
  h.send("alice", "c2c:alice:bob", "b2");  // offline now: pushed at once, after the older one
  auto calls = offline.take();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].version < calls[1].version);  // the older first: the newer badge is the one left shown
  // The taken wait does not fire again: the next wait's expiry is the only later call.
  h.presence("bob", "tab", true);
  h.send("alice", "c2c:alice:bob", "b3");
  calls = offline.take(1);
  REQUIRE(calls.size() == 1);
  CHECK(offline.take().empty());
  h.im()->detach_sink(h.im()->self, &offline.sink);
}

TEST_CASE("read-diffusion groups: offline members with a token reach the push bridge, at most read_diffusion_max") {
  ImHarness h("{groups: {write_diffusion_max: 2}, push: {read_diffusion_max: 2}}");
  OfflineSink offline;
  h.im()->attach_sink(h.im()->self, &offline.sink);
  h.group("alice", bin::GroupOp::kCreate, "big", {"bob", "carol", "dan", "erin"});
  for (const char* u : {"bob", "carol", "dan", "erin"})
    h.expect<bin::ResultFrame>(u, "phone", bin::PushTokenFrame{bin::PushProvider::kApns, "app", std::string("tok-") + u,
                                                               false, false});
  h.expect<bin::ResultFrame>("alice", "tab", bin::PushTokenFrame{bin::PushProvider::kApns, "app", "tok-alice", false, false});
  h.presence("erin", "phone", true);
  h.sink.take();
  offline.take();
  h.send("alice", "group:big", "r1");
  auto pushes = h.sink.take();
  REQUIRE(pushes.size() == 1);  // the fronts hear of erin only (online); offline members are not "delivered"
  CHECK(pushes[0].user == "erin");
  auto calls = offline.take();
  // bob, carol and dan are offline with tokens; the cap of 2 lookups per message stops at two of them.
  // The sender's own offline devices are not looked up.
  REQUIRE(calls.size() == 2);
  for (const auto& c : calls) {
    CHECK(c.user != "alice");
    CHECK(c.user != "erin");
    REQUIRE(c.targets.size() == 1);
    CHECK(c.targets[0].second == "tok-" + c.user);
  }
  h.im()->detach_sink(h.im()->self, &offline.sink);
}
