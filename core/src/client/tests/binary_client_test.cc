// BinaryClient against a scripted fake server on a loopback listener (one thread speaking the binary
// protocol with the codec). Synchronisation is by the protocol itself: each side blocks on the frames
// it expects, no sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "client/binary_client.h"

namespace {

namespace bin = herald::binary;
using herald::client::BinaryClient;
using herald::client::ClientOptions;
using herald::client::Millis;

bin::Bytes bytes(const std::string& s) { return bin::Bytes(s.begin(), s.end()); }

// The server side of one connection.
struct Peer {
  int fd = -1;
  std::vector<std::uint8_t> buf;

  std::optional<bin::Frame> read() {
    bin::DecodeLimits limits;
    limits.max_frame_size = bin::kMaxFrameSizeCeiling;
    for (;;) {
      if (!buf.empty()) {
        auto r = bin::decode_frame(buf, limits);
        if (r.status == bin::DecodeStatus::kOk) {
          buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.consumed));
          return std::move(r.frame);
        }
        if (r.status == bin::DecodeStatus::kError)
          throw std::runtime_error(std::string("server: bad frame from client: ") + bin::decode_error_name(r.error));
      }
      std::uint8_t chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buf.insert(buf.end(), chunk, chunk + n);
    }
  }
  bin::Frame expect() {
    auto f = read();
    if (!f) throw std::runtime_error("server: client closed early");
    return std::move(*f);
  }
  void write(const bin::Frame& frame) {
    std::vector<std::uint8_t> out;
    bin::EncodeOptions options;
    options.max_frame_size = bin::kMaxFrameSizeCeiling;
    if (bin::encode_frame(frame, out, options) != bin::EncodeStatus::kOk) throw std::runtime_error("server: encode");
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
      throw std::runtime_error("server: send");
  }
  // Answers the CONNECT with a CONNECT_ACK granting batch_ack and compression; returns the CONNECT.
  bin::Frame handshake(std::uint32_t heartbeat_s = 60) {
    auto hello = expect();
    bin::ConnectAckFrame ack;
    ack.version = 1;
    ack.features = bin::feature::kBatchAck | bin::feature::kCompression;
    ack.heartbeat_s = heartbeat_s;
    ack.idle_timeout_s = 150;
    ack.session_id = "s1";
    ack.user_version = 7;
    write(bin::Frame{hello.request_id, false, ack});
    return hello;
  }
  // Every frame until the client closes.
  std::vector<bin::Frame> drain() {
    std::vector<bin::Frame> frames;
    while (auto f = read()) frames.push_back(std::move(*f));
    return frames;
  }
};

class FakeServer {
 public:
  explicit FakeServer(std::function<void(Peer&)> script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0)
      throw std::runtime_error("listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      Peer peer;
      peer.fd = ::accept(listen_fd_, nullptr, nullptr);
      try {
        script(peer);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      ::close(peer.fd);
    });
  }
  ~FakeServer() {
    join();
    ::close(listen_fd_);
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::string error_;
};

ClientOptions options_for(const FakeServer& server) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.token = "eyJhbGciOiJIUzI1NiJ9.e30.x";
  o.user = "alice";
  o.connect_timeout = Millis(3000);
  return o;
}

bin::MessageEntry message(const std::string& conv, bin::MsgId id, bin::Seq seq, bin::Version v, bin::Version prev) {
  bin::MessageEntry m;
  m.conv.value = conv;
  m.msg_id = id;
  m.seq = seq;
  m.from.value = "bob";
  m.device.value = "phone";
  m.cmid.value = "b-" + std::to_string(id);
  m.kind = bin::MessageKind::kText;
  m.body = bytes("hello " + std::to_string(id));
  m.version = v;
  m.prev_version = prev;
  return m;
}

bin::SignalEntry read_signal(bin::Version v, bin::Version prev) {
  bin::SignalEntry s;
  s.kind = bin::SignalKind::kRead;
  s.conv.value = "c2c:alice:bob";
  s.seq = 3;
  s.by.value = "bob";
  s.version = v;
  s.prev_version = prev;
  return s;
}

}  // namespace

TEST_CASE("connect sends CONNECT and returns the CONNECT_ACK", "[client]") {
  bin::Frame hello;
  FakeServer server([&](Peer& peer) {
    hello = peer.handshake();
    peer.drain();
  });
  {
    BinaryClient client(options_for(server));
    const auto& ack = client.connect();
    CHECK(ack.version == 1);
    CHECK(ack.heartbeat_s == 60);
    CHECK(ack.session_id == "s1");
    CHECK(ack.user_version == 7);
    client.disconnect();
  }
  server.join();
  REQUIRE(server.error().empty());
  CHECK(hello.request_id != 0);
  auto* connect = std::get_if<bin::ConnectFrame>(&hello.body);
  REQUIRE(connect != nullptr);
  CHECK(connect->versions == std::vector<std::uint32_t>{1});
  CHECK(connect->features == (bin::feature::kBatchAck | bin::feature::kCompression));
  CHECK(connect->token == "eyJhbGciOiJIUzI1NiJ9.e30.x");
  CHECK(connect->user.value == "alice");
  CHECK(connect->device.value == "cli");
  CHECK(connect->platform == bin::Platform::kDesktop);
}

TEST_CASE("a refused CONNECT reports the reason code and text", "[client]") {
  FakeServer server([&](Peer& peer) {
    auto hello = peer.expect();
    peer.write(bin::Frame{hello.request_id, false, bin::ErrorFrame{0x86, "bad token", 0}});
  });
  BinaryClient client(options_for(server));
  try {
    client.connect();
    FAIL("connect should throw");
  } catch (const herald::client::ConnectRefused& e) {
    CHECK(e.code() == 0x86);
    CHECK(e.text() == "bad token");
  }
  CHECK_FALSE(client.connected());
}

TEST_CASE("a closed port is a connection error", "[client]") {
  std::uint16_t port = 0;
  {
    FakeServer server([](Peer&) {});
    port = server.port();
    // connect once so the server thread finishes, then the listener closes
    ClientOptions o = options_for(server);
    BinaryClient c(o);
    try {
      c.connect();
    } catch (const herald::client::ConnectionError&) {
    }
  }
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.token = "t";
  o.user = "alice";
  BinaryClient client(o);
  CHECK_THROWS_AS(client.connect(), herald::client::ConnectionError);
}

TEST_CASE("responses match by request id, a PUSH in between is queued and acked", "[client]") {
  bin::Frame send_request;
  std::vector<bin::Frame> after;
  FakeServer server([&](Peer& peer) {
    peer.handshake();
    send_request = peer.expect();
    // Unsolicited PUSH first, a stale response for an id the client never used, a server PING,
    // then the real answer.
    bin::PushFrame push;
    push.entries.push_back(message("c2c:alice:bob", 101, 2, 11, 10));  // continues the chain after the ack
    push.entries.push_back(read_signal(13, 12));                        // out of order: listed
    push.entries.push_back(message("group:big", 102, 7, 0, 0));         // read diffusion: conv ack
    push.entries.push_back(message("room:live", 103, 9, 0, 0));         // room: not acked
    push.badge = 4;
    peer.write(bin::Frame{0, false, push});
    peer.write(bin::Frame{send_request.request_id + 100, false, bin::ResultFrame{}});
    peer.write(bin::Frame{77, false, bin::PingFrame{}});
    bin::SendAckFrame ack;
    ack.cmid.value = "m-1";
    ack.msg_id = 100;
    ack.conv_seq = 1;
    ack.version = 10;
    ack.prev_version = 0;
    peer.write(bin::Frame{send_request.request_id, false, ack});
    // A retransmission of the same push, then a fresh entry.
    peer.write(bin::Frame{0, false, push});
    bin::PushFrame fresh;
    fresh.entries.push_back(message("c2c:alice:bob", 104, 3, 14, 13));
    peer.write(bin::Frame{0, false, fresh});
    after = peer.drain();
  });
  {
    BinaryClient client(options_for(server));
    client.connect();
    bin::SendFrame send;
    send.conv.value = "c2c:alice:bob";
    send.cmid.value = "m-1";
    send.kind = bin::MessageKind::kText;
    send.body = bytes("hi");
    auto reply = client.request(send, Millis(3000));
    auto* ack = std::get_if<bin::SendAckFrame>(&reply.body);
    REQUIRE(ack != nullptr);
    CHECK(ack->cmid.value == "m-1");
    CHECK(ack->msg_id == 100);
    CHECK(client.acked_version() == 10);

    auto push = client.next_push(Millis(3000));
    REQUIRE(push.has_value());
    REQUIRE(push->entries.size() == 4);
    CHECK(push->badge == 4);
    CHECK(std::get<bin::MessageEntry>(push->entries[0]).msg_id == 101);

    // The retransmission is acked again but not handed out: the next push is the fresh entry.
    auto next = client.next_push(Millis(3000));
    REQUIRE(next.has_value());
    REQUIRE(next->entries.size() == 1);
    CHECK(std::get<bin::MessageEntry>(next->entries[0]).msg_id == 104);
    client.disconnect();
  }
  server.join();
  REQUIRE(server.error().empty());
  REQUIRE(std::holds_alternative<bin::SendFrame>(send_request.body));
  CHECK(send_request.request_id != 0);

  // PONG to the server's PING, three PUSH_ACKs, DISCONNECT.
  REQUIRE(after.size() == 5);
  REQUIRE(std::holds_alternative<bin::PongFrame>(after[0].body));
  CHECK(after[0].request_id == 77);

  const auto& first = std::get<bin::PushAckFrame>(after[1].body);
  CHECK(after[1].request_id == 0);
  CHECK(first.up_to_version == 11);
  CHECK(first.versions == std::vector<bin::Version>{13});
  REQUIRE(first.conv_acks.size() == 1);
  CHECK(first.conv_acks[0].conv.value == "group:big");
  CHECK(first.conv_acks[0].seq == 7);

  const auto& again = std::get<bin::PushAckFrame>(after[2].body);
  CHECK(again.up_to_version == 11);
  CHECK(again.versions == std::vector<bin::Version>{13});

  const auto& last = std::get<bin::PushAckFrame>(after[3].body);  // 14 follows 13 but 12 is missing
  CHECK(last.up_to_version == 0);
  CHECK(last.versions == std::vector<bin::Version>{14});
  CHECK(std::holds_alternative<bin::DisconnectFrame>(after[4].body));
}

TEST_CASE("next_push with max_entries keeps the rest queued and unacked", "[client]") {
  std::vector<bin::Frame> after;
  FakeServer server([&](Peer& peer) {
    peer.handshake();
    bin::PushFrame push;
    push.entries.push_back(message("c2c:alice:bob", 1, 1, 1, 0));
    push.entries.push_back(message("c2c:alice:bob", 2, 2, 2, 1));
    peer.write(bin::Frame{0, false, push});
    after = peer.drain();
  });
  {
    BinaryClient client(options_for(server));
    client.connect();
    auto one = client.next_push(Millis(3000), 1);
    REQUIRE(one.has_value());
    REQUIRE(one->entries.size() == 1);
    CHECK(std::get<bin::MessageEntry>(one->entries[0]).msg_id == 1);
    client.disconnect();
  }
  server.join();
  REQUIRE(server.error().empty());
  REQUIRE(after.size() == 2);
  const auto& ack = std::get<bin::PushAckFrame>(after[0].body);
  CHECK(ack.up_to_version == 1);
  CHECK(ack.versions.empty());
}

TEST_CASE("sync pages until more=false, then acks the last page", "[client]") {
  std::vector<bin::Frame> received;
  FakeServer server([&](Peer& peer) {
    peer.handshake();
    auto first = peer.expect();
    received.push_back(first);
    bin::SyncPageFrame page1;
    page1.entries.push_back(message("c2c:alice:bob", 1, 1, 1, 0));
    page1.entries.push_back(message("c2c:alice:bob", 2, 2, 2, 1));
    page1.next_version = 2;
    page1.more = true;
    peer.write(bin::Frame{first.request_id, false, page1});
    auto second = peer.expect();
    received.push_back(second);
    bin::SyncPageFrame page2;
    page2.entries.push_back(read_signal(3, 2));
    page2.next_version = 3;
    page2.more = false;
    peer.write(bin::Frame{second.request_id, false, page2});
    for (auto& f : peer.drain()) received.push_back(std::move(f));
  });
  std::vector<bin::SyncPageFrame> pages;
  {
    BinaryClient client(options_for(server));
    client.connect();
    auto error = client.sync(0, 2, [&](const bin::SyncPageFrame& page) { pages.push_back(page); }, Millis(3000));
    CHECK_FALSE(error.has_value());
    CHECK(client.acked_version() == 3);
    client.disconnect();
  }
  server.join();
  REQUIRE(server.error().empty());
  REQUIRE(pages.size() == 2);
  CHECK(pages[0].entries.size() == 2);
  CHECK_FALSE(pages[1].more);

  REQUIRE(received.size() == 4);
  const auto& r1 = std::get<bin::SyncRequestFrame>(received[0].body);
  CHECK(r1.since == 0);
  CHECK(r1.limit == 2);
  const auto& r2 = std::get<bin::SyncRequestFrame>(received[1].body);
  CHECK(r2.since == 2);  // requesting the next page acks the previous one
  CHECK(r2.limit == 2);
  CHECK(received[1].request_id != received[0].request_id);
  const auto& ack = std::get<bin::PushAckFrame>(received[2].body);
  CHECK(ack.up_to_version == 3);
  CHECK(std::holds_alternative<bin::DisconnectFrame>(received[3].body));
}

TEST_CASE("an ERROR response is returned and a KICK is a connection error", "[client]") {
  FakeServer server([&](Peer& peer) {
    peer.handshake();
    auto read = peer.expect();
    peer.write(bin::Frame{read.request_id, false, bin::ErrorFrame{0x0101, "not a member of the conversation", 0}});
    peer.expect();
    peer.write(bin::Frame{0, true, bin::KickFrame{0x8E, "session taken over", ""}});
    peer.drain();
  });
  BinaryClient client(options_for(server));
  client.connect();
  auto reply = client.request(bin::ReadFrame{bin::ConversationId{"group:team"}, 4}, Millis(3000));
  auto* err = std::get_if<bin::ErrorFrame>(&reply.body);
  REQUIRE(err != nullptr);
  CHECK(err->code == 0x0101);
  try {
    client.request(bin::UnreadRequestFrame{}, Millis(3000));
    FAIL("request should throw");
  } catch (const herald::client::ConnectionError& e) {
    CHECK(e.kick_code() == 0x8E);
  }
  CHECK_FALSE(client.connected());
  server.join();
  CHECK(server.error().empty());
}

TEST_CASE("the client PINGs while waiting and gives up after two unanswered PINGs", "[client]") {
  std::vector<bin::Frame> received;
  FakeServer server([&](Peer& peer) {
    peer.handshake(0);  // no heartbeat named: the client's default (50 ms here) applies
    auto ping = peer.expect();
    received.push_back(ping);
    peer.write(bin::Frame{ping.request_id, false, bin::PongFrame{}});
    bin::PushFrame push;
    push.entries.push_back(message("room:live", 5, 1, 0, 0));
    peer.write(bin::Frame{0, false, push});
    // From now on PINGs go unanswered.
    for (auto& f : peer.drain()) received.push_back(std::move(f));
  });
  ClientOptions o = options_for(server);
  o.default_heartbeat = Millis(50);
  BinaryClient client(o);
  client.connect();
  auto push = client.next_push(Millis(3000));
  REQUIRE(push.has_value());
  CHECK(push->entries.size() == 1);
  CHECK_THROWS_AS(client.next_push(Millis(3000)), herald::client::ConnectionError);
  CHECK_FALSE(client.connected());
  server.join();
  REQUIRE(server.error().empty());
  REQUIRE(received.size() == 3);  // the answered PING, then two unanswered ones
  for (const auto& f : received) {
    CHECK(std::holds_alternative<bin::PingFrame>(f.body));
    CHECK(f.request_id != 0);
  }
  CHECK(received[1].request_id != received[2].request_id);
}

TEST_CASE("invalid requests are refused before sending", "[client]") {
  BinaryClient client(ClientOptions{});
  bin::ReadFrame bad;
  bad.conv.value = "not-a-conversation";
  bad.seq = 1;
  CHECK_THROWS_AS(client.request(bad, Millis(10)), std::invalid_argument);
}

TEST_CASE("build_push_ack: cumulative, listed and read-diffusion acks", "[client]") {
  bin::PushFrame push;
  push.entries.push_back(message("c2c:alice:bob", 3, 3, 7, 6));  // out of order within the push
  push.entries.push_back(message("c2c:alice:bob", 2, 2, 6, 5));
  push.entries.push_back(message("group:big", 9, 40, 0, 0));
  push.entries.push_back(message("group:big", 10, 41, 0, 0));
  bin::Version acked = 5;
  auto ack = BinaryClient::build_push_ack(push, acked);
  REQUIRE(ack.has_value());
  CHECK(acked == 7);
  CHECK(ack->up_to_version == 7);
  CHECK(ack->versions.empty());
  REQUIRE(ack->conv_acks.size() == 1);
  CHECK(ack->conv_acks[0].seq == 41);

  bin::PushFrame rooms;
  rooms.entries.push_back(message("room:live", 1, 1, 0, 0));
  CHECK_FALSE(BinaryClient::build_push_ack(rooms, acked).has_value());
}

TEST_CASE("parse_host_port", "[client]") {
  std::string host;
  std::uint16_t port = 0;
  CHECK(herald::client::parse_host_port("127.0.0.1:7100", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 7100);
  CHECK(herald::client::parse_host_port("[::1]:7101", host, port));
  CHECK(host == "::1");
  CHECK(port == 7101);
  CHECK(herald::client::parse_host_port("example.org:1", host, port));
  CHECK(host == "example.org");
  CHECK_FALSE(herald::client::parse_host_port("127.0.0.1", host, port));
  CHECK_FALSE(herald::client::parse_host_port("h:0", host, port));
  CHECK_FALSE(herald::client::parse_host_port("h:70000", host, port));
  CHECK_FALSE(herald::client::parse_host_port("[::1]7100", host, port));
  CHECK_FALSE(herald::client::parse_host_port(":7100", host, port));
}
