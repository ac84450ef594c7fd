// CONNECT: negotiation, authentication (inline and threaded), refusals, frame-before-CONNECT and the
// connect timeout.
#include "binary_harness.h"

namespace herald::gateway::binary::test {

TEST_CASE("a valid CONNECT gets a CONNECT_ACK with negotiated values") {
  Env env;
  BinaryConfig cfg;
  cfg.heartbeat = 240s;
  cfg.idle_timeout = 600s;
  cfg.max_frame_size = 1 << 20;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  // compression | server_ping | an unknown bit: only compression is offered back.
  auto ack = c.connect("alice", "phone1", hb::Platform::kAndroid, hb::feature::kCompression | hb::feature::kServerPing | 0x100);
  CHECK(ack.version == 1);
  CHECK(ack.features == hb::feature::kCompression);
  CHECK(ack.heartbeat_s == 240);
  CHECK(ack.idle_timeout_s == 600);
  CHECK(ack.max_frame_size == (1u << 20));
  CHECK(ack.session_id.find("test-") == 0);
  CHECK(ack.server_time_ms > 1'600'000'000'000ull);
  CHECK(server.connection_count() == 1);
  env.settle();  // the loop counts after the bytes are handed to the transport
  CHECK(env.counter("herald_binary_connects_total", {{"result", "ok"}}) == 1);
  CHECK(env.counter("herald_binary_frames_received_total", {{"type", "connect"}}) == 1);
  CHECK(env.counter("herald_binary_frames_sent_total", {{"type", "connect_ack"}}) == 1);
}

TEST_CASE("the listener's packet limit caps the announced max frame size") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server, ClientOptions{0, 64 * 1024});
  auto ack = c.connect("alice", "phone1");
  CHECK(ack.max_frame_size == 0);  // 65536: "keep the default"
}

TEST_CASE("version negotiation picks the common version or refuses") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  SECTION("newer client also speaking 1") {
    Client c(env, server);
    auto f = Client::connect_frame("alice", "p1", token_for("alice"));
    f.versions = {3, 2, 1};
    c.send(7, f);
    uint32_t rid = 0;
    CHECK(c.expect<hb::ConnectAckFrame>(&rid).version == 1);
    CHECK(rid == 7);
  }
  SECTION("no common version") {
    Client c(env, server);
    auto f = Client::connect_frame("alice", "p1", token_for("alice"));
    f.versions = {2};
    c.send(7, f);
    CHECK(c.expect_error(7).code == HERALD_REASON_UNSUPPORTED_VERSION);
    CHECK(c.wait_closed());
    CHECK(env.counter("herald_binary_connects_total", {{"result", "unsupported_version"}}) == 1);
  }
}

TEST_CASE("refusals carry the auth result's reason and close the connection") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  SECTION("bad token") {
    Client c(env, server);
    c.send(1, Client::connect_frame("alice", "p1", "not.a.jwt"));
    auto e = c.expect_error(1);
    CHECK(e.code == HERALD_REASON_BAD_CREDENTIALS);
    CHECK(e.text.find("not.a.jwt") == std::string::npos);  // never echo the token
    CHECK(c.wait_closed());
    CHECK(env.counter("herald_binary_connects_total", {{"result", "bad_credentials"}}) == 1);
  }
  SECTION("expired token made by the signer") {
    Client c(env, server);
    const int64_t an_hour_ago = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count() - 3600;
    c.send(1, Client::connect_frame("alice", "p1", token_for("alice", "", 60s, an_hour_ago)));
    CHECK(c.expect_error(1).code == HERALD_REASON_TOKEN_EXPIRED);
    CHECK(c.wait_closed());
    CHECK(env.counter("herald_binary_connects_total", {{"result", "token_expired"}}) == 1);
  }
  SECTION("token of another user") {
    Client c(env, server);
    c.send(1, Client::connect_frame("alice", "p1", token_for("mallory")));
    CHECK(c.expect_error(1).code == HERALD_REASON_NOT_AUTHORIZED);
    CHECK(c.wait_closed());
  }
  SECTION("token bound to another device") {
    Client c(env, server);
    c.send(1, Client::connect_frame("alice", "p1", token_for("alice", "p2")));
    auto e = c.expect_error(1);
    CHECK((e.code == HERALD_REASON_NOT_AUTHORIZED || e.code == HERALD_REASON_BAD_CREDENTIALS));
    CHECK(c.wait_closed());
  }
  CHECK(server.connection_count() == 0);
}

TEST_CASE("without an authenticator nobody gets in") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, nullptr);
  Client c(env, server);
  c.send(1, Client::connect_frame("alice", "p1", token_for("alice")));
  CHECK(c.expect_error(1).code == HERALD_REASON_NOT_AUTHORIZED);
  CHECK(c.wait_closed());
}

TEST_CASE("an authenticator answering on another thread hops back to the loop") {
  Env env;
  auto threaded = std::make_shared<ThreadedAuthenticator>(jwt_auth());
  BinaryServer server(env.host(), BinaryConfig{}, threaded);
  Client ok(env, server, ClientOptions{1});
  auto ack = ok.connect("alice", "p1");
  CHECK(ack.version == 1);
  Client bad(env, server, ClientOptions{0});
  bad.send(1, Client::connect_frame("bob", "p1", "garbage"));
  CHECK(bad.expect_error(1).code == HERALD_REASON_BAD_CREDENTIALS);
  CHECK(bad.wait_closed());
}

TEST_CASE("a connection closed during authentication ignores the late verdict") {
  Env env;
  auto threaded = std::make_shared<ThreadedAuthenticator>(jwt_auth());
  BinaryServer server(env.host(), BinaryConfig{}, threaded);
  {
    Client c(env, server);
    c.send(1, Client::connect_frame("alice", "p1", token_for("alice")));
    c.drop();
  }
  threaded.reset();  // joins the worker threads; their callbacks find no connection
  env.settle();
  CHECK(server.connection_count() == 0);
}

TEST_CASE("any frame before CONNECT is kicked with PROTOCOL_ERROR") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.send(3, hb::PingFrame{});
  auto k = c.expect<hb::KickFrame>();
  CHECK(k.code == HERALD_REASON_PROTOCOL_ERROR);
  CHECK(c.wait_closed());
  CHECK(env.counter("herald_binary_kicks_total", {{"reason", "protocol_error"}}) == 1);
}

TEST_CASE("a second CONNECT on a session is a protocol error, the session stays") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send(5, Client::connect_frame("alice", "p1", token_for("alice")));
  CHECK(c.expect_error(5).code == HERALD_REASON_PROTOCOL_ERROR);
  c.send(6, hb::PingFrame{});
  c.expect<hb::PongFrame>();
}

TEST_CASE("no CONNECT within connect_timeout closes the connection") {
  Env env;
  BinaryConfig cfg;
  cfg.connect_timeout = 50ms;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  CHECK(c.wait_closed());
  CHECK(env.counter("herald_binary_connects_total", {{"result", "timeout"}}) == 1);
}

TEST_CASE("frames pipelined behind CONNECT are answered after CONNECT_ACK") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  std::vector<uint8_t> bytes;
  REQUIRE(hb::encode_frame(hb::Frame{1, false, Client::connect_frame("alice", "p1", token_for("alice"))}, bytes) ==
          hb::EncodeStatus::kOk);
  REQUIRE(hb::encode_frame(hb::Frame{2, false, hb::PingFrame{}}, bytes) == hb::EncodeStatus::kOk);
  c.send_bytes(bytes);
  c.expect<hb::ConnectAckFrame>();
  uint32_t rid = 0;
  c.expect<hb::PongFrame>(&rid);
  CHECK(rid == 2);
}

}  // namespace herald::gateway::binary::test
