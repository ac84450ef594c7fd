// Test harness for the binary protocol front: real host loops and host API (herald_core, with a
// pipeline engine for presence tests), a FakeTransport per client, and in-process clients that ENCODE
// frames with the binary codec and decode the server's answers. Every wait is bounded (condition
// variables with deadlines), never a sleep used as synchronisation.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "herald/binary/codec.h"
#include "herald/gateway/auth/jwt_authenticator.h"
#include "herald/gateway/auth/jwt_verifier.h"
#include "herald/gateway/binary/binary_server.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "pipeline/pipeline_engine.h"
#include "plugin/host_api.h"
#include "test_files.h"
#include "support/gateway_test_host.h"

namespace herald::gateway::binary::test {

namespace hb = herald::binary;
using namespace std::chrono_literals;

using herald::gateway::test::Env;
using herald::gateway::test::FakeTransport;
using herald::gateway::test::on_loop;

// A 32-byte HS256 key and the matching JWT config.
inline auth::JwtConfig jwt_config() {
  auth::JwtConfig c;
  c.secrets.push_back(auth::JwtSecret{"", "0123456789abcdef0123456789abcdef"});
  c.leeway = std::chrono::seconds(0);
  return c;
}

inline std::string token_for(const std::string& user, const std::string& device = "",
                             std::chrono::seconds ttl = std::chrono::hours(1),
                             std::optional<int64_t> now = std::nullopt) {
  return auth::make_token(jwt_config(), user, device, ttl, now);
}

// Answers on a thread of its own, like the HTTP authenticator's worker.
class ThreadedAuthenticator final : public auth::Authenticator {
 public:
  explicit ThreadedAuthenticator(std::shared_ptr<auth::Authenticator> inner) : inner_(std::move(inner)) {}
  ~ThreadedAuthenticator() override {
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.join();
  }
  void authenticate(const auth::Credentials& c, auth::AuthCallback done) override {
    std::lock_guard lock(mu_);
    threads_.emplace_back([inner = inner_, c, done = std::move(done)]() mutable {
      std::this_thread::yield();
      inner->authenticate(c, std::move(done));
    });
  }
  std::string_view name() const override { return "threaded"; }

 private:
  std::shared_ptr<auth::Authenticator> inner_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

struct ClientOptions {
  uint32_t loop = 0;
  uint32_t listener_max_packet = 1 << 20;
};

class Client {
 public:
  Client(Env& env, BinaryServer& server, ClientOptions o = {}) : host_(env.host()) {
    static std::atomic<uint64_t> ids{1};
    ConnectionInfo info;
    info.id = ids++;
    info.loop = o.loop;
    info.listener = "binary-test";
    info.peer = "127.0.0.1:" + std::to_string(50000 + info.id);
    info.peer_ip = "127.0.0.1";
    info.protocol = ListenerProtocol::kBinary;
    info.max_packet_size = o.listener_max_packet;
    transport_ = std::make_unique<FakeTransport>(host_, info);
    on_loop(host_, info.loop, [&] { transport_->handler = server.make_handler(*transport_); });
  }
  ~Client() {
    on_loop(host_, transport_->info().loop, [&] {
      transport_->finish_close(CloseCause::kPeerClosed);
      transport_->handler.reset();
    });
  }

  uint64_t id() const { return transport_->info().id; }
  uint32_t loop() const { return transport_->info().loop; }

  void send_bytes(std::vector<uint8_t> bytes) {
    on_loop(host_, transport_->info().loop, [&] {
      if (transport_->handler && !transport_->closed_) transport_->handler->on_data(bytes);
    });
  }
  void send(const hb::Frame& frame) {
    std::vector<uint8_t> out;
    hb::EncodeOptions o;
    o.max_frame_size = hb::kMaxFrameSizeCeiling;
    REQUIRE(hb::encode_frame(frame, out, o) == hb::EncodeStatus::kOk);
    send_bytes(std::move(out));
  }
  void send(uint32_t request_id, hb::FrameBody body) { send(hb::Frame{request_id, false, std::move(body)}); }

  std::optional<hb::Frame> next(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(transport_->mu_);
    std::optional<hb::Frame> out;
    transport_->cv_.wait_for(lock, timeout, [&] {
      if (transport_->rx_.empty()) return false;
      hb::DecodeLimits limits;
      limits.max_frame_size = hb::kMaxFrameSizeCeiling;
      limits.allow_compressed = true;
      auto r = hb::decode_frame(transport_->rx_, limits);
      if (r.status == hb::DecodeStatus::kNeedMore) return false;
      REQUIRE(r.status == hb::DecodeStatus::kOk);
      transport_->rx_.erase(transport_->rx_.begin(), transport_->rx_.begin() + static_cast<long>(r.consumed));
      out = std::move(r.frame);
      return true;
    });
    return out;
  }
  template <class T>
  T expect(uint32_t* request_id = nullptr, std::chrono::milliseconds timeout = 3s) {
    auto f = next(timeout);
    REQUIRE(f.has_value());
    INFO("got frame " << hb::frame_type_name(hb::frame_type(f->body)));
    REQUIRE(std::holds_alternative<T>(f->body));
    if (request_id) *request_id = f->request_id;
    return std::get<T>(std::move(f->body));
  }
  hb::ErrorFrame expect_error(uint32_t request_id) {
    uint32_t rid = 0;
    auto e = expect<hb::ErrorFrame>(&rid);
    CHECK(rid == request_id);
    return e;
  }
  bool silent(std::chrono::milliseconds quiet = 150ms) { return !next(quiet).has_value(); }
  bool wait_closed(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(transport_->mu_);
    return transport_->cv_.wait_for(lock, timeout, [&] { return transport_->closed_; });
  }
  bool closed() {
    std::lock_guard lock(transport_->mu_);
    return transport_->closed_;
  }
  void drop() {
    on_loop(host_, transport_->info().loop, [&] { transport_->finish_close(CloseCause::kNetworkError); });
  }

  static hb::ConnectFrame connect_frame(const std::string& user, const std::string& device, std::string token,
                                        hb::Platform platform = hb::Platform::kAndroid, uint32_t features = 0) {
    hb::ConnectFrame c;
    c.versions = {1};
    c.features = features;
    c.token = std::move(token);
    c.user.value = user;
    c.device.value = device;
    c.platform = platform;
    c.app_version = "1.0.0";
    return c;
  }
  // CONNECT with a fresh valid token; returns the CONNECT_ACK.
  hb::ConnectAckFrame connect(const std::string& user, const std::string& device,
                              hb::Platform platform = hb::Platform::kAndroid, uint32_t features = 0) {
    send(1, connect_frame(user, device, token_for(user, device), platform, features));
    uint32_t rid = 0;
    auto ack = expect<hb::ConnectAckFrame>(&rid);
    CHECK(rid == 1);
    return ack;
  }
  FakeTransport& transport() { return *transport_; }

 private:
  sdk::Host host_;
  std::unique_ptr<FakeTransport> transport_;
};

inline std::shared_ptr<auth::Authenticator> jwt_auth(auth::Clock& clock = auth::system_clock()) {
  return std::make_shared<auth::JwtAuthenticator>(jwt_config(), clock);
}

}  // namespace herald::gateway::binary::test
