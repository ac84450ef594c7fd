// HTTP tunnel sessions (docs/protocol.md 13.3): one Transport to the handler that lives across many
// HTTP requests. Upstream POSTs are applied once per seq; downstream frames are numbered, kept until
// acknowledged (bounded) and handed out by long-poll GETs, so a poll cut mid-way is resent in full.
// A session lives on one loop (its id starts with that loop's index); requests arriving on other
// loops hop there and their replies hop back.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "herald/http/head.h"
#include "herald/sdk.hpp"
#include "net/listener_runtime.h"
#include "net/transport.h"

namespace herald::gateway {

class LoopShard;

struct HttpReply {
  int status = 200;
  std::vector<http::Header> headers;
  std::string body;
};
// Delivers a reply to the HTTP connection that asked (on that connection's loop). Any thread.
using ReplyFn = std::function<void(HttpReply)>;

class TunnelSession final : public Transport, public std::enable_shared_from_this<TunnelSession> {
 public:
  TunnelSession(LoopShard& shard, std::shared_ptr<ListenerRuntime> listener, std::string id, ConnectionInfo info);
  ~TunnelSession() override;

  // Transport (loop thread)
  void send(std::string_view bytes) override;
  void close(bool flush) override;
  const ConnectionInfo& info() const override { return info_; }
  size_t queued_bytes() const override { return unacked_bytes_; }
  void set_reading(bool enabled) override;

  const std::string& id() const { return id_; }
  ListenerRuntime& listener() { return *listener_; }
  bool closed() const { return closed_; }

  // Requests (loop thread of the session).
  bool start(std::string_view first_body);  // creates the handler; false if the factory refused
  void upstream(std::optional<uint64_t> seq, std::string body, ReplyFn reply);
  void downstream(uint64_t after, uint32_t wait_ms, uint64_t poll_token, ReplyFn reply);
  void cancel_poll(uint64_t poll_token);  // the HTTP connection holding the poll went away
  void client_close(ReplyFn reply);
  void shutdown() { finish(CloseCause::kShutdown); }

 private:
  struct Frame {
    uint64_t id;
    std::string bytes;
  };
  struct Poll {
    uint64_t token;
    ReplyFn reply;
    sdk::Timer timer;
  };
  struct HeldUp {
    std::string body;
    ReplyFn reply;
  };
  void deliver_up(std::string_view body);
  void answer_poll();
  void answer_poll_empty(int status);
  void schedule_answer();
  void arm_idle();
  void finish(CloseCause cause);
  HttpReply frames_reply();

  LoopShard& shard_;
  std::shared_ptr<ListenerRuntime> listener_;
  std::string id_;
  ConnectionInfo info_;
  std::unique_ptr<ProtocolHandler> handler_;
  bool closed_ = false;
  bool closing_ = false;  // close(flush=true): finish once every frame was acknowledged
  bool reading_ = true;
  bool answer_scheduled_ = false;
  uint64_t last_seq_ = 0;
  uint64_t next_id_ = 1;
  std::deque<Frame> unacked_;
  size_t unacked_bytes_ = 0;
  std::string partial_;  // bytes of a frame the handler sent only in part
  std::optional<Poll> poll_;
  std::deque<HeldUp> held_;  // upstream bodies waiting while reading is off
  sdk::Timer idle_;
};

// The sessions of one loop, plus recently ended ones (410 Gone instead of 404 for a while).
class TunnelRegistry {
 public:
  explicit TunnelRegistry(LoopShard& shard) : shard_(shard) {}
  ~TunnelRegistry();
  // Opens a session for a POST to the tunnel path: reply 200 with Herald-Tunnel, or an error status.
  void open(std::shared_ptr<ListenerRuntime> listener, const ConnectionInfo& http_info, std::string body,
            ReplyFn reply);
  // nullptr when unknown or of another listener; `gone` tells whether it ended recently.
  std::shared_ptr<TunnelSession> find(const std::string& id, const ListenerRuntime* listener, bool* gone);
  void remove(const std::string& id, bool tombstone);
  void shutdown_all();
  size_t size() const { return sessions_.size(); }

 private:
  LoopShard& shard_;
  std::unordered_map<std::string, std::shared_ptr<TunnelSession>> sessions_;
  std::map<std::string, uint64_t> gone_;  // id -> steady ms when it ended
};

// Common headers of every tunnel response.
std::vector<http::Header> tunnel_headers();

}  // namespace herald::gateway
