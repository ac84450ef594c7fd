// A blocking client for the Herald binary protocol over TCP (docs/protocol.md Part I): the handshake,
// request/response matching by request id, queued PUSH delivery with automatic PUSH_ACK, and
// heartbeats while waiting. One thread; used by `herald client` and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "herald/binary/codec.h"
#include "herald/binary/frames.h"

namespace herald::client {

namespace bin = herald::binary;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

struct ClientOptions {
  std::string host;  // a name, an IPv4 address or an IPv6 address (brackets optional)
  std::uint16_t port = 7100;
  std::string token;
  std::string user;
  std::string device = "cli";
  std::string app_version;
  std::uint32_t features = bin::feature::kBatchAck | bin::feature::kCompression;
  std::uint32_t max_frame_size = 4u * 1024 * 1024;  // what we announce we accept
  Millis connect_timeout{10000};                    // TCP connect plus handshake
  Millis default_heartbeat{30000};                  // used when CONNECT_ACK names none
};

// The connection failed, closed, timed out, was kicked, or the server sent bytes that do not decode.
class ConnectionError : public std::runtime_error {
 public:
  explicit ConnectionError(const std::string& what, std::uint16_t kick_code = 0, std::string kick_text = {})
      : std::runtime_error(what), kick_code_(kick_code), kick_text_(std::move(kick_text)) {}
  std::uint16_t kick_code() const { return kick_code_; }  // non-zero when the server sent KICK
  const std::string& kick_text() const { return kick_text_; }

 private:
  std::uint16_t kick_code_;
  std::string kick_text_;
};

// The server refused the CONNECT (ERROR or KICK): reason code and text.
class ConnectRefused : public std::runtime_error {
 public:
  ConnectRefused(std::uint16_t code, const std::string& text)
      : std::runtime_error(text.empty() ? "connect refused" : text), code_(code), text_(text) {}
  std::uint16_t code() const { return code_; }
  const std::string& text() const { return text_; }

 private:
  std::uint16_t code_;
  std::string text_;
};

// Splits "host:port", "[v6]:port" (or a bare IPv6 address ending in ":port" with more than one
// colon) into its parts. False when the form or the port is invalid.
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);

class BinaryClient {
 public:
  explicit BinaryClient(ClientOptions options);
  ~BinaryClient();
  BinaryClient(const BinaryClient&) = delete;
  BinaryClient& operator=(const BinaryClient&) = delete;

  // Opens the TCP connection and performs CONNECT / CONNECT_ACK. Throws ConnectionError (network,
  // timeout, undecodable reply) or ConnectRefused (ERROR or KICK from the server).
  const bin::ConnectAckFrame& connect();
  bool connected() const { return fd_ >= 0; }
  const bin::ConnectAckFrame& connect_ack() const { return ack_; }

  // Sends `body` with a fresh request id and waits for the frame with the same id (the response or
  // an ERROR frame, returned as is). PUSH frames arriving meanwhile are queued for next_push().
  // Throws ConnectionError on failure or when no response comes within `timeout`.
  bin::Frame request(bin::FrameBody body, Millis timeout = Millis(10000));

  // The next pushed frame (queued or read within `timeout`), with entries already seen removed
  // (the server retransmits unacked entries; clients deduplicate by msg_id / version). Every entry
  // handed out is acknowledged with PUSH_ACK before this returns. With max_entries, at most that
  // many entries are handed out (and acked); the rest stay queued. nullopt on timeout.
  std::optional<bin::PushFrame> next_push(Millis timeout, std::size_t max_entries = 0);

  // Pages SYNC_REQUEST from `since` until a page says more = false (each request acknowledges the
  // page before it), calling on_page for every page, then acknowledges the last page with
  // PUSH_ACK(up_to_version = next_version). Returns the ERROR frame if the server refused a request
  // (the pages before it were delivered), nullopt on success.
  std::optional<bin::Frame> sync(bin::Version since, std::uint32_t limit,
                                 const std::function<void(const bin::SyncPageFrame&)>& on_page,
                                 Millis timeout = Millis(10000));

  // Acknowledges every timeline entry up to `version` (e.g. the last sync page's next_version).
  void ack_up_to(bin::Version version);
  // The cumulative ack position the client tracks (entries known to be contiguous up to here).
  bin::Version acked_version() const { return acked_version_; }

  // Sends DISCONNECT (best effort) and closes.
  void disconnect();
  void close();

  // The PUSH_ACK acknowledging `push` given the cumulative position `acked` (updated in place):
  // entries continuing the chain from `acked` advance up_to_version, others are listed in versions;
  // read-diffusion entries (version 0, group conversations) become conv_acks; room messages are not
  // acked. nullopt when nothing needs acking. Exposed for tests.
  static std::optional<bin::PushAckFrame> build_push_ack(const bin::PushFrame& push, bin::Version& acked);

 private:
  void send_frame(const bin::Frame& frame);
  // Reads frames until one satisfies the wait or the deadline passes. Returns the response to
  // `want_id` (0: return after any PUSH was queued), nullopt on deadline.
  std::optional<bin::Frame> pump(std::uint32_t want_id, Clock::time_point deadline);
  // Reads and decodes one frame, waiting at most until `until`; nullopt on timeout.
  std::optional<bin::Frame> read_frame(Clock::time_point until);
  std::uint32_t next_request_id();
  void note_sent() { last_sent_ = Clock::now(); }
  void heartbeat_if_due();
  bool seen(const bin::TimelineEntry& entry) const;
  void mark_seen(const bin::TimelineEntry& entry);

  ClientOptions options_;
  int fd_ = -1;
  bin::ConnectAckFrame ack_;
  bin::DecodeLimits limits_;
  bin::EncodeOptions encode_;
  std::vector<std::uint8_t> inbuf_;
  std::deque<bin::PushFrame> pushes_;
  std::uint32_t request_counter_ = 0;
  Clock::time_point last_sent_{};
  Millis heartbeat_{30000};
  std::uint32_t ping_id_ = 0;  // outstanding PING, 0 = none
  int missed_pongs_ = 0;
  bin::Version acked_version_ = 0;
  std::unordered_set<bin::MsgId> seen_msg_ids_;
  std::unordered_set<bin::Version> seen_signal_versions_;
};

}  // namespace herald::client
