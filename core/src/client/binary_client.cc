#include "client/binary_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string_view>

namespace herald::client {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

int millis_until(Clock::time_point until) {
  auto now = Clock::now();
  if (until <= now) return 0;
  auto ms = std::chrono::ceil<Millis>(until - now).count();
  return ms > 3600000 ? 3600000 : static_cast<int>(ms);
}

// Connects one address without blocking past `deadline`; returns the fd or -1 with `error` set.
int connect_address(const addrinfo& ai, Clock::time_point deadline, std::string& error) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) {
    error = "socket: " + errno_text(errno);
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(fd, ai.ai_addr, ai.ai_addrlen);
  if (rc != 0 && errno != EINPROGRESS) {
    error = errno_text(errno);
    ::close(fd);
    return -1;
  }
  if (rc != 0) {
    for (;;) {
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, millis_until(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n == 0 ? "timed out" : errno_text(errno);
        ::close(fd);
        return -1;
      }
      break;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      error = errno_text(so_error);
      ::close(fd);
      return -1;
    }
  }
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool is_read_diffusion_group(const bin::MessageEntry& m) {
  return m.version == 0 && std::string_view(m.conv.value).starts_with("group:");
}

}  // namespace

bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return false;
  unsigned long value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

BinaryClient::BinaryClient(ClientOptions options) : options_(std::move(options)) {
  heartbeat_ = options_.default_heartbeat;
  limits_.max_frame_size = std::min(options_.max_frame_size, bin::kMaxFrameSizeCeiling);
}

BinaryClient::~BinaryClient() { close(); }

void BinaryClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::uint32_t BinaryClient::next_request_id() {
  if (++request_counter_ == 0) request_counter_ = 1;
  return request_counter_;
}

const bin::ConnectAckFrame& BinaryClient::connect() {
  close();
  inbuf_.clear();
  pushes_.clear();
  ping_id_ = 0;
  missed_pongs_ = 0;
  auto deadline = Clock::now() + options_.connect_timeout;
  std::string host = options_.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                      std::to_string(options_.port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  std::string port_text = std::to_string(options_.port);
  int gai = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &list);
  if (gai != 0) throw ConnectionError("cannot resolve " + host + ": " + ::gai_strerror(gai));
  std::string error = "no address";
  for (addrinfo* ai = list; ai != nullptr && fd_ < 0; ai = ai->ai_next) fd_ = connect_address(*ai, deadline, error);
  ::freeaddrinfo(list);
  if (fd_ < 0) throw ConnectionError("cannot connect to " + where + ": " + error);

  bin::ConnectFrame hello;
  hello.versions = {bin::kProtocolVersion1};
  hello.features = options_.features;
  hello.token = options_.token;
  hello.user.value = options_.user;
  hello.device.value = options_.device;
  hello.platform = bin::Platform::kDesktop;
  hello.app_version = options_.app_version;
  hello.max_frame_size = limits_.max_frame_size;
  if (auto invalid = bin::validate_frame(hello); invalid != bin::DecodeError::kNone) {
    close();
    throw std::invalid_argument(std::string("invalid CONNECT (check --user / --device / --token): ") +
                                bin::decode_error_name(invalid));
  }
  std::uint32_t id = next_request_id();
  send_frame(bin::Frame{id, false, std::move(hello)});

  std::optional<bin::Frame> reply;
  try {
    reply = pump(id, deadline);
  } catch (const ConnectionError& e) {
    close();
    if (e.kick_code() != 0) throw ConnectRefused(e.kick_code(), e.kick_text());
    throw;
  }
  if (!reply) {
    close();
    throw ConnectionError("no CONNECT_ACK from " + where + " within the connect timeout");
  }
  if (auto* err = std::get_if<bin::ErrorFrame>(&reply->body)) {
    close();
    throw ConnectRefused(err->code, err->text);
  }
  auto* ack = std::get_if<bin::ConnectAckFrame>(&reply->body);
  if (ack == nullptr) {
    close();
    throw ConnectionError(std::string("unexpected ") + bin::frame_type_name(bin::frame_type(reply->body)) +
                          " in answer to CONNECT");
  }
  ack_ = *ack;
  if (ack_.heartbeat_s != 0) heartbeat_ = Millis(std::int64_t{ack_.heartbeat_s} * 1000);
  limits_.allow_compressed = (ack_.features & bin::feature::kCompression) != 0;
  encode_.max_frame_size = ack_.max_frame_size != 0 ? ack_.max_frame_size : bin::kDefaultMaxFrameSize;
  return ack_;
}

void BinaryClient::send_frame(const bin::Frame& frame) {
  if (fd_ < 0) throw ConnectionError("not connected");
  std::vector<std::uint8_t> out;
  auto status = bin::encode_frame(frame, out, encode_);
  if (status == bin::EncodeStatus::kFrameTooLarge)
    throw std::invalid_argument("frame larger than the server accepts");
  if (status != bin::EncodeStatus::kOk) throw std::invalid_argument("cannot encode frame");
  std::size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::send(fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close();
      throw ConnectionError("send failed: " + errno_text(err));
    }
    off += static_cast<std::size_t>(n);
  }
  note_sent();
}

std::optional<bin::Frame> BinaryClient::read_frame(Clock::time_point until) {
  for (;;) {
    if (!inbuf_.empty()) {
      auto r = bin::decode_frame(inbuf_, limits_);
      if (r.status == bin::DecodeStatus::kOk) {
        inbuf_.erase(inbuf_.begin(), inbuf_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
        return std::move(r.frame);
      }
      if (r.status == bin::DecodeStatus::kError) {
        close();
        throw ConnectionError(std::string("undecodable frame from the server: ") + bin::decode_error_name(r.error));
      }
    }
    if (fd_ < 0) throw ConnectionError("not connected");
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, millis_until(until));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConnectionError("poll failed: " + errno_text(errno));
    }
    if (n == 0) return std::nullopt;
    std::uint8_t buf[65536];
    ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      int err = errno;
      close();
      throw ConnectionError("connection lost: " + errno_text(err));
    }
    if (got == 0) {
      close();
      throw ConnectionError("connection closed by the server");
    }
    inbuf_.insert(inbuf_.end(), buf, buf + got);
  }
}

void BinaryClient::heartbeat_if_due() {
  if (fd_ < 0 || Clock::now() - last_sent_ < heartbeat_) return;
  if (ping_id_ != 0 && ++missed_pongs_ >= 2) {
    close();
    throw ConnectionError("connection dead: two PINGs went unanswered");
  }
  ping_id_ = next_request_id();
  send_frame(bin::Frame{ping_id_, false, bin::PingFrame{}});
}

std::optional<bin::Frame> BinaryClient::pump(std::uint32_t want_id, Clock::time_point deadline) {
  for (;;) {
    heartbeat_if_due();
    auto until = std::min(deadline, last_sent_ + heartbeat_);
    auto frame = read_frame(until);
    if (!frame) {
      if (Clock::now() >= deadline) return std::nullopt;
      continue;
    }
    switch (bin::frame_type(frame->body)) {
      case bin::FrameType::kPush:
        pushes_.push_back(std::get<bin::PushFrame>(std::move(frame->body)));
        if (want_id == 0) return bin::Frame{};
        break;
      case bin::FrameType::kPong: {
        const auto& pong = std::get<bin::PongFrame>(frame->body);
        if (pong.heartbeat_s != 0) heartbeat_ = Millis(std::int64_t{pong.heartbeat_s} * 1000);
        if (frame->request_id == ping_id_) {
          ping_id_ = 0;
          missed_pongs_ = 0;
        }
        if (want_id != 0 && frame->request_id == want_id) return frame;
        break;
      }
      case bin::FrameType::kPing:  // server_ping: answer with the same request id
        send_frame(bin::Frame{frame->request_id, false, bin::PongFrame{}});
        break;
      case bin::FrameType::kKick: {
        const auto& kick = std::get<bin::KickFrame>(frame->body);
        close();
        std::string what = "kicked by the server: " + (kick.text.empty() ? std::string("no reason") : kick.text) +
                           " (code " + std::to_string(kick.code) + ")";
        if (!kick.redirect.empty()) what += ", redirect to " + kick.redirect;
        throw ConnectionError(what, kick.code, kick.text);
      }
      default:
        if (want_id != 0 && frame->request_id == want_id) return frame;
        break;  // a late response to a request we gave up on
    }
  }
}

bin::Frame BinaryClient::request(bin::FrameBody body, Millis timeout) {
  if (auto invalid = bin::validate_frame(body); invalid != bin::DecodeError::kNone)
    throw std::invalid_argument(std::string("invalid ") + bin::frame_type_name(bin::frame_type(body)) + ": " +
                                bin::decode_error_name(invalid));
  if (auto* sync_request = std::get_if<bin::SyncRequestFrame>(&body))
    acked_version_ = std::max(acked_version_, sync_request->since);  // the request acks everything <= since
  std::uint32_t id = next_request_id();
  auto type = bin::frame_type(body);
  send_frame(bin::Frame{id, false, std::move(body)});
  auto reply = pump(id, Clock::now() + timeout);
  if (!reply)
    throw ConnectionError(std::string("no response to ") + bin::frame_type_name(type) + " within " +
                          std::to_string(timeout.count()) + " ms");
  if (auto* send_ack = std::get_if<bin::SendAckFrame>(&reply->body)) {
    if (send_ack->version != 0 && send_ack->prev_version == acked_version_) acked_version_ = send_ack->version;
  }
  return std::move(*reply);
}

std::optional<bin::Frame> BinaryClient::sync(bin::Version since, std::uint32_t limit,
                                             const std::function<void(const bin::SyncPageFrame&)>& on_page,
                                             Millis timeout) {
  bin::Version last = 0;
  for (;;) {
    auto reply = request(bin::SyncRequestFrame{since, limit}, timeout);
    if (std::holds_alternative<bin::ErrorFrame>(reply.body)) return reply;
    auto* page = std::get_if<bin::SyncPageFrame>(&reply.body);
    if (page == nullptr)
      throw ConnectionError(std::string("unexpected ") + bin::frame_type_name(bin::frame_type(reply.body)) +
                            " in answer to SYNC_REQUEST");
    on_page(*page);
    if (page->next_version != 0) last = page->next_version;
    if (!page->more) break;
    if (page->next_version <= since)
      throw ConnectionError("SYNC_PAGE says more but its next_version does not advance");
    since = page->next_version;
  }
  if (last != 0) ack_up_to(last);
  return std::nullopt;
}

void BinaryClient::ack_up_to(bin::Version version) {
  if (version == 0) return;
  acked_version_ = std::max(acked_version_, version);
  bin::PushAckFrame ack;
  ack.up_to_version = version;
  send_frame(bin::Frame{0, false, std::move(ack)});
}

std::optional<bin::PushAckFrame> BinaryClient::build_push_ack(const bin::PushFrame& push, bin::Version& acked) {
  bin::PushAckFrame ack;
  bool cumulative = false;
  std::vector<std::pair<bin::Version, bin::Version>> pending;  // (version, prev_version) off the chain
  std::map<std::string, bin::Seq> conv_acks;
  auto take = [&](bin::Version version, bin::Version prev) {
    if (version == 0) return;
    if (version <= acked) {
      cumulative = true;  // a retransmission of something already acked: re-ack cumulatively
    } else if (prev == acked) {
      acked = version;
      cumulative = true;
    } else {
      pending.emplace_back(version, prev);
    }
  };
  for (const auto& entry : push.entries) {
    if (const auto* m = std::get_if<bin::MessageEntry>(&entry)) {
      if (m->version != 0) {
        take(m->version, m->prev_version);
      } else if (is_read_diffusion_group(*m)) {
        auto& seq = conv_acks[m->conv.value];
        seq = std::max(seq, m->seq);
      }
      // room messages are not acked
    } else {
      const auto& s = std::get<bin::SignalEntry>(entry);
      take(s.version, s.prev_version);
    }
  }
  // Entries that arrived out of order within the push may now continue the chain.
  for (bool progressed = true; progressed;) {
    progressed = false;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->first <= acked || it->second == acked) {
        acked = std::max(acked, it->first);
        cumulative = true;
        progressed = true;
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (cumulative) ack.up_to_version = acked;
  for (const auto& p : pending) ack.versions.push_back(p.first);
  for (const auto& [conv, seq] : conv_acks) ack.conv_acks.push_back(bin::ConvSeq{bin::ConversationId{conv}, seq});
  if (ack.up_to_version == 0 && ack.versions.empty() && ack.conv_acks.empty()) return std::nullopt;
  return ack;
}

bool BinaryClient::seen(const bin::TimelineEntry& entry) const {
  if (const auto* m = std::get_if<bin::MessageEntry>(&entry)) return seen_msg_ids_.contains(m->msg_id);
  const auto& s = std::get<bin::SignalEntry>(entry);
  return s.version != 0 && seen_signal_versions_.contains(s.version);
}

void BinaryClient::mark_seen(const bin::TimelineEntry& entry) {
  if (const auto* m = std::get_if<bin::MessageEntry>(&entry)) {
    seen_msg_ids_.insert(m->msg_id);
  } else if (const auto& s = std::get<bin::SignalEntry>(entry); s.version != 0) {
    seen_signal_versions_.insert(s.version);
  }
}

std::optional<bin::PushFrame> BinaryClient::next_push(Millis timeout, std::size_t max_entries) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pushes_.empty() && !pump(0, deadline)) return std::nullopt;
    bin::PushFrame push = std::move(pushes_.front());
    pushes_.pop_front();
    bool was_empty = push.entries.empty();
    bin::PushFrame out, acked, rest;
    out.badge = rest.badge = acked.badge = push.badge;
    for (auto& entry : push.entries) {
      if (seen(entry)) {
        acked.entries.push_back(std::move(entry));  // a retransmission: ack again, do not hand out
      } else if (max_entries != 0 && out.entries.size() >= max_entries) {
        rest.entries.push_back(std::move(entry));  // stays queued, unacked
      } else {
        mark_seen(entry);
        acked.entries.push_back(entry);
        out.entries.push_back(std::move(entry));
      }
    }
    if (!rest.entries.empty()) pushes_.push_front(std::move(rest));
    if (auto ack = build_push_ack(acked, acked_version_)) send_frame(bin::Frame{0, false, std::move(*ack)});
    if (!out.entries.empty() || was_empty) return out;
    // every entry was a retransmission already handed out: acked again, keep waiting
  }
}

void BinaryClient::disconnect() {
  if (fd_ < 0) return;
  try {
    send_frame(bin::Frame{0, false, bin::DisconnectFrame{}});
  } catch (const std::exception&) {
    // best effort
  }
  close();
}

}  // namespace herald::client
