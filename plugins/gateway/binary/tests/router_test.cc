// Requests to the IM core's router: delivery with session info, answers and pushes from another
// thread, answers dropped after close, no router: UNSUPPORTED_FEATURE, DISCONNECT.
#include "binary_harness.h"

namespace herald::gateway::binary::test {

namespace {

class RecordingRouter final : public BinaryRequestRouter {
 public:
  uint64_t user_version(const SessionInfo&) override { return 77; }
  void on_session_open(const std::shared_ptr<BinaryConnectionHandle>& c) override {
    std::lock_guard lock(mu);
    opened.push_back(c);
  }
  void on_request(const SessionInfo& s, hb::Frame frame, Responder r) override {
    std::lock_guard lock(mu);
    requests.push_back({s, std::move(frame), r});
    cv.notify_all();
  }
  void on_session_closed(const SessionInfo& s, SessionEnd end) override {
    std::lock_guard lock(mu);
    ended.emplace_back(s.device, end);
    cv.notify_all();
  }
  struct Request {
    SessionInfo session;
    hb::Frame frame;
    Responder responder;
  };
  bool wait_requests(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 3s, [&] { return requests.size() >= n; });
  }
  bool wait_ended(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 3s, [&] { return ended.size() >= n; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Request> requests;
  std::vector<std::shared_ptr<BinaryConnectionHandle>> opened;
  std::vector<std::pair<std::string, SessionEnd>> ended;
};

hb::SendFrame text_send(const std::string& cmid) {
  hb::SendFrame s;
  s.conv.value = "c2c:alice:bob";
  s.cmid.value = cmid;
  s.kind = hb::MessageKind::kText;
  s.body = {'h', 'i'};
  return s;
}

}  // namespace

TEST_CASE("without a router requests get UNSUPPORTED_FEATURE, PUSH_ACK is dropped") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send(5, text_send("m-1"));
  auto e = c.expect_error(5);
  CHECK(e.code == HERALD_REASON_UNSUPPORTED_FEATURE);
  CHECK(e.text == "IM core not enabled");
  c.send(0, hb::PushAckFrame{3, {}, {}});
  c.send(6, hb::SyncRequestFrame{0, 10});
  CHECK(c.expect_error(6).code == HERALD_REASON_UNSUPPORTED_FEATURE);
  c.send(0, hb::DisconnectFrame{});
  CHECK(c.wait_closed());
  CHECK(c.transport().flushed_close_);
}

TEST_CASE("server-to-client frame types from a client are protocol errors") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send(8, hb::ResultFrame{});
  CHECK(c.expect_error(8).code == HERALD_REASON_PROTOCOL_ERROR);
}

TEST_CASE("the router receives requests with the session and answers from another thread") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  auto router = std::make_shared<RecordingRouter>();
  server.set_router(router);
  Client c(env, server, ClientOptions{1});
  auto ack = c.connect("alice", "p1", hb::Platform::kIos, hb::feature::kBatchAck);
  CHECK(ack.user_version == 77);
  c.send(5, text_send("m-1"));
  c.send(0, hb::PushAckFrame{3, {}, {}});
  REQUIRE(router->wait_requests(2));
  const auto& req = router->requests[0];
  CHECK(req.session.user == "alice");
  CHECK(req.session.device == "p1");
  CHECK(req.session.platform == hb::Platform::kIos);
  CHECK(req.session.loop == 1);
  CHECK(req.session.connection_id == c.id());
  CHECK(req.session.features == hb::feature::kBatchAck);
  CHECK(req.frame.request_id == 5);
  CHECK(std::get<hb::SendFrame>(req.frame.body).cmid.value == "m-1");
  CHECK(std::holds_alternative<hb::PushAckFrame>(router->requests[1].frame.body));

  Responder r = req.responder;
  std::thread([r] {
    hb::SendAckFrame a;
    a.cmid.value = "m-1";
    a.msg_id = 7180000000000000001ull;
    a.conv_seq = 42;
    CHECK(r.respond(a));
    CHECK_FALSE(r.respond(a));  // one answer per request
    hb::PushFrame p;
    hb::MessageEntry m;
    m.conv.value = "c2c:alice:bob";
    m.msg_id = 9;
    p.entries.push_back(m);
    p.badge = 1;
    r.push(hb::Frame{0, false, p});
  }).join();
  uint32_t rid = 0;
  auto sa = c.expect<hb::SendAckFrame>(&rid);
  CHECK(rid == 5);
  CHECK(sa.conv_seq == 42);
  auto push = c.expect<hb::PushFrame>(&rid);
  CHECK(rid == 0);
  CHECK(push.badge == 1);
  CHECK(c.silent());
  env.settle();
  CHECK(env.counter("herald_binary_frames_received_total", {{"type", "send"}}) == 1);
  CHECK(env.counter("herald_binary_frames_sent_total", {{"type", "push"}}) == 1);
}

TEST_CASE("an error answer and an oversize answer") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  auto router = std::make_shared<RecordingRouter>();
  server.set_router(router);
  Client c(env, server);
  c.connect("alice", "p1");  // the client accepts the default 64 KiB
  c.send(5, text_send("m-1"));
  c.send(6, hb::HistoryRequestFrame{{"c2c:alice:bob"}, 0, 0, 10});
  REQUIRE(router->wait_requests(2));
  router->requests[0].responder.error(HERALD_REASON_NOT_MEMBER, "not a member of the conversation", 0);
  CHECK(c.expect_error(5).code == HERALD_REASON_NOT_MEMBER);
  hb::HistoryPageFrame page;
  page.conv.value = "c2c:alice:bob";
  hb::MessageEntry m;
  m.conv.value = "c2c:alice:bob";
  m.msg_id = 1;
  m.body.assign(100 * 1024, 'x');
  page.messages.push_back(m);
  router->requests[1].responder.respond(page);
  CHECK(c.expect_error(6).code == HERALD_REASON_PAYLOAD_TOO_LARGE);
}

TEST_CASE("answers after the connection closed are dropped, DISCONNECT reaches the router") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  auto router = std::make_shared<RecordingRouter>();
  server.set_router(router);
  std::optional<Responder> late;
  {
    Client c(env, server);
    c.connect("alice", "p1");
    c.send(5, text_send("m-1"));
    c.send(0, hb::DisconnectFrame{0, "bye"});
    REQUIRE(router->wait_requests(2));
    CHECK(std::holds_alternative<hb::DisconnectFrame>(router->requests[1].frame.body));
    CHECK(c.wait_closed());
    REQUIRE(router->wait_ended(1));
    CHECK(router->ended[0].second == SessionEnd::kDisconnect);
    late = router->requests[0].responder;
  }
  CHECK_FALSE(late->connection()->alive());
  std::thread([&] { late->respond(hb::SendAckFrame{}); }).join();
  env.settle();
  CHECK(router->ended.size() == 1);
}

TEST_CASE("a router throwing answers UNSPECIFIED_ERROR") {
  struct Throwing final : BinaryRequestRouter {
    void on_request(const SessionInfo&, hb::Frame, Responder) override { throw std::runtime_error("boom"); }
  };
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  server.set_router(std::make_shared<Throwing>());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send(5, text_send("m-1"));
  CHECK(c.expect_error(5).code == HERALD_REASON_UNSPECIFIED_ERROR);
}

}  // namespace herald::gateway::binary::test
