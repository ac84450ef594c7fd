// BinaryBenchClient: non-blocking socket, buffered frames in and out, handshake and acks.
#include "binary_bench_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>

#include "message_stamp.h"

namespace herald::bench {

namespace bin = herald::binary;

namespace {

// The relay's pair hello: 4 bytes "HRLY", then the pair id (big endian); the relay answers one byte
// 'P' once both members arrived.
constexpr std::size_t kHelloSize = 8;

int open_socket(const std::string& host, std::uint16_t port, const std::string& bind_address, std::string& error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!bind_address.empty()) {
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, bind_address.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      error = "bind " + bind_address + ": " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &peer.sin_addr) != 1) {
    error = "not an IPv4 address: " + host;
    ::close(fd);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

BinaryBenchClient::BinaryBenchClient(const BenchOptions& options, BinaryClientSpec spec)
    : options_(options), spec_(std::move(spec)), relay_(options.binary_peer == BinaryPeer::kRelay) {
  limits_.max_frame_size = 1024 * 1024;
  limits_.max_repeated = 65535;
}

BinaryBenchClient::~BinaryBenchClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool BinaryBenchClient::begin() {
  std::string error;
  fd_ = open_socket(options_.host, options_.port, spec_.bind_address, error);
  if (fd_ < 0) {
    worker->error(error);
    return false;
  }
  if (relay_) {
    std::uint8_t hello[kHelloSize] = {'H', 'R', 'L', 'Y'};
    std::uint32_t id = htonl(spec_.pair_id);
    std::memcpy(hello + 4, &id, 4);
    out_.insert(out_.end(), hello, hello + kHelloSize);
  } else {
    bin::ConnectFrame hello;
    hello.versions = {bin::kProtocolVersion1};
    hello.features = bin::feature::kBatchAck;
    hello.token = spec_.token;
    hello.user.value = spec_.user;
    hello.device.value = spec_.device;
    hello.platform = bin::Platform::kDesktop;
    hello.max_frame_size = limits_.max_frame_size;
    queue(bin::Frame{next_request_++, false, std::move(hello)});
  }
  mask_ = EPOLLIN | EPOLLOUT;
  worker->watch(fd_, this, mask_);
  return true;
}

void BinaryBenchClient::lost(const std::string& why) {
  if (dead) return;
  worker->unwatch(fd_);
  worker->client_failed(this, why);
}

void BinaryBenchClient::queue(const bin::Frame& frame) {
  if (bin::encode_frame(frame, out_, encode_) != bin::EncodeStatus::kOk) worker->error("cannot encode frame");
}

void BinaryBenchClient::flush() {
  while (connected_ && out_off_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return lost(std::string("send: ") + std::strerror(errno));
    }
    out_off_ += static_cast<std::size_t>(n);
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  }
  update_mask();
}

void BinaryBenchClient::update_mask() {
  if (dead) return;
  std::uint32_t want = EPOLLIN | ((!connected_ || out_off_ < out_.size()) ? EPOLLOUT : 0u);
  if (want != mask_) {
    mask_ = want;
    worker->rewatch(fd_, this, mask_);
  }
}

void BinaryBenchClient::on_events(std::uint32_t events) {
  if (!connected_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return lost(std::string("connect: ") + std::strerror(err));
    connected_ = true;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_all();
  if (!dead) flush();
}

void BinaryBenchClient::read_all() {
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return lost(std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) return lost("connection closed by the server");
    in_.insert(in_.end(), buf, buf + n);
    if (static_cast<std::size_t>(n) < sizeof buf) break;
  }
  if (relay_ && !up && in_.size() > in_off_) {
    if (in_[in_off_] != 'P') return lost("relay: no pair confirmation");
    ++in_off_;
    worker->client_up(this);
  }
  while (!dead && in_off_ < in_.size()) {
    auto r = bin::decode_frame(std::span<const std::uint8_t>(in_.data() + in_off_, in_.size() - in_off_), limits_);
    if (r.status == bin::DecodeStatus::kNeedMore) break;
    if (r.status == bin::DecodeStatus::kError)
      return lost(std::string("undecodable frame: ") + bin::decode_error_name(r.error));
    in_off_ += r.consumed;
    handle(r.frame);
  }
  if (in_off_ == in_.size()) {
    in_.clear();
    in_off_ = 0;
  } else if (in_off_ > 65536) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_off_));
    in_off_ = 0;
  }
}

void BinaryBenchClient::deliver(const bin::Bytes& body) {
  worker->delivered(this, read_stamp(std::string_view(reinterpret_cast<const char*>(body.data()), body.size())));
}

void BinaryBenchClient::handle(bin::Frame& frame) {
  switch (bin::frame_type(frame.body)) {
    case bin::FrameType::kConnectAck: {
      const auto& ack = std::get<bin::ConnectAckFrame>(frame.body);
      if (ack.max_frame_size != 0) encode_.max_frame_size = ack.max_frame_size;
      max_version_ = ack.user_version;
      if (!spec_.group.empty()) {
        bin::GroupOpFrame create;
        create.op = bin::GroupOp::kCreate;
        create.group.value = spec_.group;
        create.name = spec_.group;
        for (const auto& m : spec_.members) create.members.push_back(bin::UserId{m});
        join_request_ = next_request_++;
        queue(bin::Frame{join_request_, false, std::move(create)});
      } else if (spec_.room.empty()) {
        worker->client_up(this);
      } else {
        bin::RoomOpFrame join;
        join.op = bin::RoomOp::kJoin;
        join.room.value = spec_.room;
        join_request_ = next_request_++;
        queue(bin::Frame{join_request_, false, std::move(join)});
      }
      break;
    }
    case bin::FrameType::kResult:
      if (frame.request_id == join_request_ && join_request_ != 0) {
        join_request_ = 0;
        worker->client_up(this);
      }
      break;
    case bin::FrameType::kSend: {  // relay: the peer's message; answer as the server would
      auto& send = std::get<bin::SendFrame>(frame.body);
      deliver(send.body);
      bin::SendAckFrame ack;  // the size of Herald's: ids, seq and versions filled in
      ack.cmid = std::move(send.cmid);
      ack.msg_id = 7180000000000000000ull + ++seq_;
      ack.conv_seq = seq_;
      ack.ts_ms = now_ns() / 1000000;
      ack.version = ack.prev_version + 1000000 + seq_;
      ack.prev_version = ack.version - 1;
      queue(bin::Frame{frame.request_id, false, std::move(ack)});
      break;
    }
    case bin::FrameType::kSendAck: {
      const auto& ack = std::get<bin::SendAckFrame>(frame.body);
      if (ack.version > max_version_) max_version_ = ack.version;
      worker->acked(this);
      break;
    }
    case bin::FrameType::kPush: {
      const auto& push = std::get<bin::PushFrame>(frame.body);
      bool versioned = false;
      for (const auto& entry : push.entries) {
        if (const auto* m = std::get_if<bin::MessageEntry>(&entry)) {
          // A room publisher's own message, and server notices (group created ...), are not deliveries.
          bool counted = !(m->version == 0 && sender) && m->kind != bin::MessageKind::kSystem;
          if (counted) deliver(m->body);
          versioned = versioned || m->version != 0;
          if (m->version > max_version_) max_version_ = m->version;
        } else if (const auto* s = std::get_if<bin::SignalEntry>(&entry); s != nullptr && s->version > max_version_) {
          max_version_ = s->version;
          versioned = true;
        }
      }
      // One cumulative ack per PUSH (batch_ack): this device holds everything up to the newest version.
      // Room entries (version 0) are not acked.
      if (!versioned) break;
      bin::PushAckFrame ack;
      ack.up_to_version = max_version_;
      queue(bin::Frame{0, false, std::move(ack)});
      break;
    }
    case bin::FrameType::kPing:
      queue(bin::Frame{frame.request_id, false, bin::PongFrame{}});
      break;
    case bin::FrameType::kError: {
      const auto& err = std::get<bin::ErrorFrame>(frame.body);
      if (!up) return lost((join_request_ != 0 ? "room join / group create refused: " : "CONNECT refused: ") + err.text);
      worker->error("ERROR " + std::to_string(err.code) + ": " + err.text);
      worker->acked(this);  // the send is answered; keep the window moving
      break;
    }
    case bin::FrameType::kKick:
      return lost("kicked: " + std::get<bin::KickFrame>(frame.body).text);
    default:
      break;
  }
}

bool BinaryBenchClient::send_one(std::uint64_t now) {
  bin::SendFrame send;
  send.conv.value = spec_.conv;
  send.cmid.value = spec_.cmid_prefix + std::to_string(++seq_);
  send.kind = bin::MessageKind::kText;
  std::string body = stamped_text(now, static_cast<std::size_t>(options_.payload));
  send.body.assign(body.begin(), body.end());
  queue(bin::Frame{next_request_++, false, std::move(send)});
  flush();
  return !dead;
}

void BinaryBenchClient::finish() {
  if (!relay_) {
    queue(bin::Frame{0, false, bin::DisconnectFrame{}});
    flush();
  }
}

}  // namespace herald::bench
