// A local HTTP auth service for tests (Poco, 127.0.0.1:0) that can allow, deny, fail or hang, plus a
// bounded wait on an auth callback. Hanging requests are released by the test or on destruction.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "herald/gateway/auth/authenticator.h"

namespace herald::gateway::auth::test {

class Backend {
 public:
  enum class Mode { kAllow, kAllowMinimal, kDeny, kForbidden, kError, kGarbage, kHang };

  Backend() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setKeepAlive(true);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
    port_ = socket.address().port();
  }
  ~Backend() {
    release();
    server_->stopAll(true);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/auth"; }
  void set_mode(Mode m) { mode_ = m; }
  int hits() const { return hits_.load(); }
  std::string last_body() {
    std::lock_guard lock(mu_);
    return last_body_;
  }
  // Lets every hanging request finish (they then answer allow, to clients long gone).
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) until `n` requests are hanging.
  bool wait_hanging(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return hanging_ >= n; });
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(Backend& b) : b_(b) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
      std::string body;
      Poco::StreamCopier::copyToString(req.stream(), body);
      ++b_.hits_;
      {
        std::lock_guard lock(b_.mu_);
        b_.last_body_ = body;
      }
      res.setContentType("application/json");
      switch (b_.mode_.load()) {
        case Mode::kAllow:
          return send(res, 200, R"({"result":"allow","user":"alice","device":"dev-9","ttl":30})");
        case Mode::kAllowMinimal:
          return send(res, 200, R"({"result":"allow"})");
        case Mode::kDeny:
          return send(res, 200, R"({"result":"deny"})");
        case Mode::kForbidden:
          return send(res, 403, R"({"result":"deny"})");
        case Mode::kError:
          return send(res, 500, "oops");
        case Mode::kGarbage:
          return send(res, 200, "<html>");
        case Mode::kHang: {
          std::unique_lock lock(b_.mu_);
          ++b_.hanging_;
          b_.cv_.notify_all();
          b_.cv_.wait_for(lock, std::chrono::seconds(20), [&] { return b_.released_; });
          --b_.hanging_;
          lock.unlock();
          return send(res, 200, R"({"result":"allow"})");
        }
      }
    }

   private:
    static void send(Poco::Net::HTTPServerResponse& res, int status, const std::string& body) {
      res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      res.setContentLength(static_cast<std::streamsize>(body.size()));
      res.send() << body;
    }
    Backend& b_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(Backend& b) : b_(b) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(b_);
    }

   private:
    Backend& b_;
  };

  std::atomic<Mode> mode_{Mode::kAllow};
  std::atomic<int> hits_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  int hanging_ = 0;
  std::string last_body_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

// One awaited auth verdict: pass callback(), then get() waits at most 10 s.
class Verdict {
 public:
  AuthCallback callback() {
    return [s = state_](AuthResult r) { s->promise.set_value(std::move(r)); };
  }
  bool ready() const { return state_->future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  std::optional<AuthResult> get() {
    if (state_->future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return std::nullopt;
    return state_->future.get();
  }

 private:
  struct State {
    std::promise<AuthResult> promise;
    std::future<AuthResult> future = promise.get_future();
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace herald::gateway::auth::test
