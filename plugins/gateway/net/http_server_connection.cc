// HttpServerConnection: one request at a time (pipelined ones wait in the buffer), Content-Length
// bodies only (chunked uploads get 411: every tunnel client knows its body size), replies that may
// come back from another loop, matched by a token so a stale reply is dropped.
#include "net/http_server_connection.h"

#include <atomic>
#include <charconv>

#include "net/frame_splitter.h"
#include "net/loop_shard.h"
#include "net/websocket_handshake.h"
#include "net/websocket_transport.h"

namespace herald::gateway {
namespace {

std::atomic<uint64_t> g_token{0};

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int status_for(http::ParseError e) {
  switch (e) {
    case http::ParseError::kHeadTooLarge:
    case http::ParseError::kTooManyHeaders: return 431;
    case http::ParseError::kUnsupportedVersion: return 505;
    default: return 400;
  }
}

}  // namespace

std::unique_ptr<StreamUser> HttpServerConnection::create(Connection& connection) {
  connection.arm_deadline(connection.listener().config.handshake_timeout_ms);  // the first request
  return std::unique_ptr<StreamUser>(new HttpServerConnection(connection));
}

void HttpServerConnection::on_stream_data(std::string_view bytes) {
  buffer_.append(bytes);
  if (waiting_) {
    // Keep reading while a request is pending (to notice the client leaving) but bound the buffer.
    if (buffer_.size() > http::Limits{}.max_head_bytes + connection_.listener().config.max_packet_size)
      connection_.set_reading(false);
    return;
  }
  process();
}

void HttpServerConnection::refuse(int status, bool close) {
  close_after_ = close || close_after_;
  connection_.listener().metrics.refused_handshake.add();
  respond(HttpReply{status, tunnel_headers(), {}});
}

void HttpServerConnection::process() {
  const auto& config = connection_.listener().config;
  while (!waiting_ && connection_.open() && !buffer_.empty()) {
    http::RequestHead request;
    http::ParseResult pr = http::parse_request_head(buffer_, http::Limits{}, request);
    if (pr.status == http::ParseStatus::kIncomplete) return;
    if (pr.status == http::ParseStatus::kError) {
      refuse(status_for(pr.error), true);
      return;
    }
    if (is_websocket_upgrade(request)) {
      // Hand the whole stream (this request included) to a WebSocket transport.
      auto ws = WebSocketTransport::create(connection_);
      StreamUser* raw = ws.get();
      std::string data = std::move(buffer_);
      buffer_.clear();
      connection_.replace_user(std::move(ws));  // `this` is destroyed after this callback
      raw->on_stream_data(data);
      return;
    }
    if (request.chunked) {
      refuse(411, true);
      return;
    }
    if (request.content_length > config.max_packet_size) {
      refuse(413, true);
      return;
    }
    size_t need = pr.consumed + static_cast<size_t>(request.content_length);
    if (buffer_.size() < need) return;
    std::string body = buffer_.substr(pr.consumed, static_cast<size_t>(request.content_length));
    buffer_.erase(0, need);
    close_after_ = !request.keep_alive;
    connection_.clear_deadline();
    dispatch(request, std::move(body));
  }
}

ReplyFn HttpServerConnection::make_reply() {
  waiting_ = true;
  token_ = ++g_token;
  auto conn = connection_.shared_from_this();
  uint32_t loop = connection_.info().loop;
  sdk::Host host = connection_.host();
  uint64_t token = token_;
  return [conn, loop, host, token](HttpReply reply) {
    auto boxed = std::make_shared<HttpReply>(std::move(reply));
    host.post(loop, [conn, token, boxed] {
      if (!conn->open()) return;
      if (auto* http = dynamic_cast<HttpServerConnection*>(conn->user())) http->deliver(token, std::move(*boxed));
    });
  };
}

void HttpServerConnection::dispatch(const http::RequestHead& request, std::string body) {
  auto& listener = connection_.listener();
  const auto& config = listener.config;
  LoopShard& here = connection_.shard();
  const std::string& prefix = config.tunnel.path;
  std::string_view path = request.path;

  if (path == prefix) {
    if (request.method != "POST") return refuse(405, false);
    here.tunnels().open(connection_.listener_ptr(), connection_.info(), std::move(body), make_reply());
    return;
  }
  if (path.size() <= prefix.size() + 1 || path.substr(0, prefix.size()) != prefix || path[prefix.size()] != '/')
    return refuse(404, false);
  std::string_view rest = path.substr(prefix.size() + 1);
  size_t slash = rest.find('/');
  std::string id(rest.substr(0, slash));
  std::string_view action = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  auto dash = id.find('-');
  auto loop = parse_u64(std::string_view(id).substr(0, dash));
  LoopShard* target = (dash != std::string::npos && loop) ? here.sibling(static_cast<uint32_t>(*loop)) : nullptr;
  if (!target) return refuse(404, false);

  std::function<void(TunnelSession&, ReplyFn, uint64_t)> op;
  if (action.empty()) {
    if (request.method != "DELETE") return refuse(405, false);
    op = [](TunnelSession& s, ReplyFn reply, uint64_t) { s.client_close(std::move(reply)); };
  } else if (action == "up") {
    if (request.method != "POST") return refuse(405, false);
    std::optional<uint64_t> seq;
    if (auto q = http::query_param(request.query, "seq")) {
      seq = parse_u64(*q);
      if (!seq) return refuse(400, false);
    }
    if (int st = check_whole_frames(config.protocol, body, config.max_packet_size); st != 0) return refuse(st, false);
    op = [seq, body = std::move(body)](TunnelSession& s, ReplyFn reply, uint64_t) mutable {
      s.upstream(seq, std::move(body), std::move(reply));
    };
  } else if (action == "down") {
    if (request.method != "GET") return refuse(405, false);
    uint64_t after = 0;
    uint64_t wait_ms = config.tunnel.poll_timeout_ms;
    if (auto q = http::query_param(request.query, "after")) {
      auto v = parse_u64(*q);
      if (!v) return refuse(400, false);
      after = *v;
    }
    if (auto q = http::query_param(request.query, "wait")) {
      auto v = parse_u64(*q);
      if (!v || *v > 3600) return refuse(400, false);
      wait_ms = *v * 1000;
    }
    wait_ms = std::min<uint64_t>(wait_ms, config.tunnel.max_poll_timeout_ms);
    op = [after, wait_ms](TunnelSession& s, ReplyFn reply, uint64_t token) {
      // The reply's token doubles as the poll token (unique per process).
      s.downstream(after, static_cast<uint32_t>(wait_ms), token, std::move(reply));
    };
  } else {
    return refuse(404, false);
  }
  ReplyFn reply = make_reply();
  uint64_t token = token_;
  if (action == "down") poll_session_.emplace(target->loop(), id);
  const ListenerRuntime* owner = &listener;
  auto run = [target, id, owner, op = std::move(op), reply = std::move(reply), token]() mutable {
    bool gone = false;
    auto session = target->tunnels().find(id, owner, &gone);
    if (!session) {
      reply(HttpReply{gone ? 410 : 404, tunnel_headers(), {}});
      return;
    }
    op(*session, std::move(reply), token);
  };
  if (target == &here) run();
  else connection_.host().post(target->loop(), std::move(run));
}

void HttpServerConnection::deliver(uint64_t token, HttpReply reply) {
  if (!waiting_ || token != token_) return;
  waiting_ = false;
  poll_session_.reset();
  respond(std::move(reply));
  if (connection_.open()) {
    connection_.set_reading(true);
    process();
  }
}

void HttpServerConnection::respond(HttpReply reply) {
  if (close_after_) reply.headers.push_back({"Connection", "close"});
  std::string out = http::format_response_head(reply.status, reply.headers,
                                               reply.status == 204 ? -1 : static_cast<int64_t>(reply.body.size()));
  out += reply.body;
  connection_.write(std::move(out));
  if (close_after_) {
    connection_.close(true, CloseCause::kPeerClosed);
    return;
  }
  // Keep-alive: an idle connection between requests is closed after the tunnel idle timeout.
  connection_.arm_deadline(connection_.listener().config.tunnel.idle_timeout_ms);
}

void HttpServerConnection::on_stream_closed(CloseCause) {
  if (!waiting_ || !poll_session_) return;
  LoopShard* target = connection_.shard().sibling(poll_session_->first);
  if (!target) return;
  const ListenerRuntime* owner = &connection_.listener();
  auto run = [target, id = poll_session_->second, owner, token = token_] {
    if (auto s = target->tunnels().find(id, owner, nullptr)) s->cancel_poll(token);
  };
  connection_.host().post(target->loop(), std::move(run));
}

}  // namespace herald::gateway
