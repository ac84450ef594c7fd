// AdminServer: Poco HTTP front of the admin API (see admin_server.h). Poco does HTTP parsing, keep-alive
// and the worker pool; this file only authenticates, bounds and routes.
#include "admin/admin_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <istream>
#include <map>
#include <mutex>

#include "admin/admin_token.h"
#include "herald/sdk.hpp"
#include "log/logger.h"
#include "metrics/metrics_registry.h"

namespace herald::admin {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// herald_admin_requests_total{code}: one series per status code seen, created on first use.
class RequestCounter {
 public:
  explicit RequestCounter(MetricsRegistry& metrics) : metrics_(metrics) {}
  void count(int status) {
    std::lock_guard lock(mutex_);
    auto& c = by_status_[status];
    if (!c) {
      auto r = metrics_.counter("herald_admin_requests_total", "Admin API requests, by HTTP status.",
                                {{"code", std::to_string(status)}});
      if (!r) return;
      c = r.value();
    }
    c->Increment();
  }

 private:
  MetricsRegistry& metrics_;
  std::mutex mutex_;
  std::map<int, prometheus::Counter*> by_status_;
};

struct Shared {
  Shared(RouteTable& r, std::vector<std::string> t, uint64_t max, MetricsRegistry& metrics)
      : routes(r), tokens(std::move(t)), max_body(max), counter(metrics) {}
  RouteTable& routes;
  std::vector<std::string> tokens;
  uint64_t max_body;
  RequestCounter counter;
};

void send(Poco::Net::HTTPServerResponse& out, int status, const std::string& content_type, const std::string& body) {
  out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  out.setContentType(content_type);
  out.setContentLength(static_cast<std::streamsize>(body.size()));
  out.set("Cache-Control", "no-store");
  out.send() << body;
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(Shared& shared) : shared_(shared) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    int status = 500;
    try {
      status = serve(in, out);
    } catch (const std::exception& e) {
      HLOG_ERROR("admin") << in.getMethod() << " " << Poco::URI(in.getURI()).getPath() << ": " << e.what();
      if (!out.sent()) {
        auto r = sdk::HttpResponse::error(HERALD_REASON_UNSPECIFIED_ERROR, "internal error");
        send(out, r.status, r.content_type, r.body);
      }
    }
    shared_.counter.count(status);
  }

 private:
  int reply(Poco::Net::HTTPServerResponse& out, const sdk::HttpResponse& r) {
    send(out, r.status, r.content_type, r.body);
    return r.status;
  }

  int serve(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) {
    herald_http_request req;
    req.method = in.getMethod();
    try {
      Poco::URI uri(in.getURI());
      req.path = uri.getPath();
      req.query = uri.getRawQuery();
      for (auto& [k, v] : uri.getQueryParameters()) req.query_params.emplace_back(k, v);
    } catch (const Poco::SyntaxException& e) {
      return reply(out, sdk::HttpResponse::error(HERALD_REASON_MALFORMED, "bad request URI: " + e.displayText()));
    }
    for (const auto& [k, v] : in) req.headers.emplace_back(lower(k), v);

    // Health checks (load balancers, systemd) and the console's static files need no token and reveal
    // nothing; the console then calls the API with the token the operator types in.
    bool open_route = req.method == "GET" && (req.path == "/healthz" || req.path == "/" || req.path == "/console" ||
                                              req.path.starts_with("/console/"));
    if (!open_route) {
      std::string auth = in.get("Authorization", "");
      std::string presented = auth.size() > 7 && lower(auth.substr(0, 7)) == "bearer " ? auth.substr(7) : "";
      if (presented.empty() || !token_matches(shared_.tokens, presented)) {
        HLOG_WARN("admin") << "refused " << req.method << " " << req.path << " from "
                           << in.clientAddress().host().toString() << ": "
                           << (presented.empty() ? "no bearer token" : "wrong token");
        out.set("WWW-Authenticate", "Bearer realm=\"herald\"");
        return reply(out, sdk::HttpResponse::error(HERALD_REASON_BAD_CREDENTIALS,
                                                   presented.empty() ? "missing bearer token" : "wrong token"));
      }
    }

    if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(shared_.max_body))
      return reply(out, sdk::HttpResponse::error(HERALD_REASON_PAYLOAD_TOO_LARGE,
                                                 "body over admin.max_body (" + std::to_string(shared_.max_body) +
                                                     " bytes)"));
    std::istream& body = in.stream();
    char buf[8192];
    while (body.read(buf, sizeof buf) || body.gcount() > 0) {
      req.body.append(buf, static_cast<size_t>(body.gcount()));
      if (req.body.size() > shared_.max_body)
        return reply(out, sdk::HttpResponse::error(HERALD_REASON_PAYLOAD_TOO_LARGE, "body over admin.max_body"));
    }

    herald_http_response resp;
    std::string allowed;
    switch (shared_.routes.dispatch(req, resp, &allowed)) {
      case RouteTable::Match::kNoPath:
        return reply(out, sdk::HttpResponse::error(HERALD_REASON_NOT_FOUND, "no route " + req.path));
      case RouteTable::Match::kNoMethod: {
        out.set("Allow", allowed);
        auto r = sdk::HttpResponse::error(HERALD_REASON_NOT_FOUND, req.method + " not allowed on " + req.path);
        r.status = 405;
        return reply(out, r);
      }
      case RouteTable::Match::kFound:
        break;
    }
    if (!resp.set) {
      HLOG_ERROR("admin") << req.method << " " << req.path << ": the handler gave no response";
      return reply(out, sdk::HttpResponse::error(HERALD_REASON_UNSPECIFIED_ERROR, "the handler gave no response"));
    }
    HLOG_DEBUG("admin") << req.method << " " << req.path << " -> " << resp.status;
    send(out, resp.status, resp.content_type.empty() ? "application/json" : resp.content_type, resp.body);
    return resp.status;
  }

  Shared& shared_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(*shared_);
  }

 private:
  std::shared_ptr<Shared> shared_;
};
}  // namespace

AdminServer::AdminServer(AdminConfig config, RouteTable& routes, std::vector<std::string> tokens,
                         MetricsRegistry& metrics)
    : config_(std::move(config)), routes_(routes), tokens_(std::move(tokens)), metrics_(metrics) {}

AdminServer::~AdminServer() { stop(); }

Result<std::string> AdminServer::start() {
  auto colon = config_.listen.rfind(':');
  std::string host = config_.listen.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoul(config_.listen.substr(colon + 1)));
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(host, port), true);
    socket.listen(64);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(config_.threads));
    params->setMaxQueued(64);
    params->setTimeout(Poco::Timespan(10, 0));
    // Poco holds a worker thread for a keep-alive connection's whole life, so a browser's six idle
    // connections would starve the pool: one request per connection keeps every thread available.
    params->setKeepAlive(false);
    auto shared = std::make_shared<Shared>(routes_, tokens_, config_.max_body, metrics_);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared), socket, params);
    server_->start();
    return socket.address().toString();
  } catch (const Poco::Exception& e) {
    server_.reset();
    return make_error(HERALD_REASON_SERVER_UNAVAILABLE, "admin.listen: cannot serve on " + config_.listen + ": " +
                                                            e.displayText());
  }
}

void AdminServer::stop() {
  if (!server_) return;
  server_->stopAll(true);  // closes the socket and the idle keep-alive connections
  server_.reset();
}

}  // namespace herald::admin
