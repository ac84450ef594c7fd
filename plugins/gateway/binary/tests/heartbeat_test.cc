// PING/PONG, the idle timeout, token-expiry kicks and the kick / drain API.
#include "binary_harness.h"

namespace herald::gateway::binary::test {

namespace {
// Records the handles of opened sessions (what the session registry keeps).
class RecordingObserver final : public BinarySessionObserver {
 public:
  void on_session_open(const std::shared_ptr<BinaryConnectionHandle>& c) override {
    std::lock_guard lock(mu);
    opened.push_back(c);
    cv.notify_all();
  }
  void on_session_closed(const SessionInfo& s, SessionEnd end) override {
    std::lock_guard lock(mu);
    closed.emplace_back(s, end);
    cv.notify_all();
  }
  bool wait_closed(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 3s, [&] { return closed.size() >= n; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<BinaryConnectionHandle>> opened;
  std::vector<std::pair<SessionInfo, SessionEnd>> closed;
};
}  // namespace

TEST_CASE("PING is answered with PONG carrying the suggested interval") {
  Env env;
  BinaryConfig cfg;
  cfg.heartbeat = 45s;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send(42, hb::PingFrame{});
  uint32_t rid = 0;
  auto pong = c.expect<hb::PongFrame>(&rid);
  CHECK(rid == 42);
  CHECK(pong.heartbeat_s == 45);
  CHECK(pong.server_time_ms > 0);
}

TEST_CASE("silence for idle_timeout ends in KICK KEEPALIVE_TIMEOUT, frames keep it alive") {
  Env env;
  BinaryConfig cfg;
  cfg.heartbeat = 100ms;
  cfg.idle_timeout = 300ms;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  const auto start = std::chrono::steady_clock::now();
  // Heartbeats every ~100ms for ~600ms: twice the idle timeout, yet no kick.
  for (int i = 0; i < 6; ++i) {
    c.send(static_cast<uint32_t>(i + 2), hb::PingFrame{});
    c.expect<hb::PongFrame>();
    CHECK_FALSE(c.next(100ms).has_value());
  }
  CHECK_FALSE(c.closed());
  auto k = c.expect<hb::KickFrame>(nullptr, 3s);
  CHECK(k.code == HERALD_REASON_KEEPALIVE_TIMEOUT);
  CHECK(std::chrono::steady_clock::now() - start >= 600ms);
  CHECK(c.wait_closed());
  CHECK(env.counter("herald_binary_heartbeat_timeouts_total") == 1);
  CHECK(env.counter("herald_binary_kicks_total", {{"reason", "keepalive_timeout"}}) == 1);
}

TEST_CASE("a session is kicked with TOKEN_EXPIRED when its token's expiry passes") {
  Env env;
  auth::ManualClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count());
  BinaryConfig cfg;
  cfg.token_recheck = 20ms;  // the timer re-reads the (manual) clock this often
  BinaryServer server(env.host(), cfg, jwt_auth(clock), clock);
  auto observer = std::make_shared<RecordingObserver>();
  server.set_session_observer(observer);
  Client c(env, server);
  c.send(1, Client::connect_frame("alice", "p1", token_for("alice", "", 120s, clock.unix_seconds())));
  c.expect<hb::ConnectAckFrame>();
  CHECK(c.silent(100ms));
  clock.advance(121s);
  auto k = c.expect<hb::KickFrame>();
  CHECK(k.code == HERALD_REASON_TOKEN_EXPIRED);
  CHECK(c.wait_closed());
  REQUIRE(observer->wait_closed(1));
  CHECK(observer->closed[0].second == SessionEnd::kKicked);
  CHECK(env.counter("herald_binary_kicks_total", {{"reason", "token_expired"}}) == 1);
}

TEST_CASE("the handle kicks from any thread with text and redirect, the session ends once") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  auto observer = std::make_shared<RecordingObserver>();
  server.set_session_observer(observer);
  Client c(env, server, ClientOptions{1});
  c.connect("alice", "p1", hb::Platform::kIos);
  REQUIRE(observer->opened.size() == 1);
  auto handle = observer->opened[0];
  CHECK(handle->session().user == "alice");
  CHECK(handle->session().device == "p1");
  CHECK(handle->session().platform == hb::Platform::kIos);
  CHECK(handle->session().loop == 1);
  CHECK(handle->alive());
  std::thread([&] { handle->kick(HERALD_REASON_USE_ANOTHER_SERVER, "move", "10.0.0.2:7100"); }).join();
  auto k = c.expect<hb::KickFrame>();
  CHECK(k.code == HERALD_REASON_USE_ANOTHER_SERVER);
  CHECK(k.text == "move");
  CHECK(k.redirect == "10.0.0.2:7100");
  CHECK(c.wait_closed());
  CHECK(c.transport().flushed_close_);
  REQUIRE(observer->wait_closed(1));
  CHECK_FALSE(handle->alive());
  handle->kick(HERALD_REASON_SESSION_TAKEN_OVER, "again");  // dropped: the connection is gone
  env.settle();
  CHECK(observer->closed.size() == 1);
}

TEST_CASE("kick_all drains every loop: sessions get KICK, handshakes are closed") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client a(env, server, ClientOptions{0});
  Client b(env, server, ClientOptions{1});
  Client waiting(env, server, ClientOptions{1});
  a.connect("alice", "p1");
  b.connect("bob", "p1");
  server.kick_all(HERALD_REASON_SERVER_SHUTTING_DOWN, "draining", "10.0.0.3:7100");
  for (Client* c : {&a, &b}) {
    auto k = c->expect<hb::KickFrame>();
    CHECK(k.code == HERALD_REASON_SERVER_SHUTTING_DOWN);
    CHECK(k.redirect == "10.0.0.3:7100");
    CHECK(c->wait_closed());
  }
  CHECK(waiting.wait_closed());
  CHECK(env.counter("herald_binary_kicks_total", {{"reason", "server_shutting_down"}}) == 2);
}

TEST_CASE("a shutdown close sends KICK SERVER_SHUTTING_DOWN") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  on_loop(env.host(), 0, [&] { c.transport().handler->on_close(CloseCause::kShutdown); });
  CHECK(c.expect<hb::KickFrame>().code == HERALD_REASON_SERVER_SHUTTING_DOWN);
}

}  // namespace herald::gateway::binary::test
