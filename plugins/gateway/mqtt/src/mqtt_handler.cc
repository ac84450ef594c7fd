// Per-connection MQTT protocol state machine (see mqtt_handler.h).
#include "mqtt_handler.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "herald/mqtt/topic.h"

namespace herald::gateway::mqtt {

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint8_t mqtt5_byte(herald_reason reason) {
  switch (reason) {
#define HERALD_MQTT_BYTE_(name, value, mqtt5, text) \
  case HERALD_REASON_##name:                        \
    return mqtt5;
    HERALD_REASON_CODES(HERALD_MQTT_BYTE_)
#undef HERALD_MQTT_BYTE_
  }
  return 0x80;
}

m::ReasonCode puback_code_for(herald_reason reason) {
  const uint8_t b = mqtt5_byte(reason);
  switch (b) {
    case 0x00: case 0x10: case 0x80: case 0x83: case 0x87: case 0x90: case 0x91: case 0x97: case 0x99:
      return static_cast<m::ReasonCode>(b);
    case 0x86:  // credentials: not authorized is what PUBACK can say
      return m::ReasonCode::kNotAuthorized;
    default:
      return b == 0x80 ? m::ReasonCode::kUnspecifiedError : m::ReasonCode::kImplementationSpecificError;
  }
}

namespace {

std::string random_client_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "herald-";
  uint64_t v = rng();
  for (int i = 0; i < 16; ++i) id += kHex[(v >> (i * 4)) & 15];
  return id;
}

size_t level_count(std::string_view topic) { return static_cast<size_t>(std::count(topic.begin(), topic.end(), '/')) + 1; }

MessagePtr will_message(m::Will& will, const std::string& client_id) {
  m::Publish p;
  p.topic = will.topic;
  p.payload = will.payload;
  p.qos = will.qos;
  p.retain = will.retain;
  p.properties = will.properties;
  return message_from_publish(std::move(p), client_id, wall_ms());
}

}  // namespace

MqttConnection::MqttConnection(std::shared_ptr<BrokerCore> core, Transport& transport)
    : core_(std::move(core)),
      transport_(&transport),
      loop_(transport.info().loop),
      connection_id_(transport.info().id),
      listener_(transport.info().listener),
      peer_(transport.info().peer) {
  const auto& cfg = core_->config();
  decode_.sender = m::Sender::kClient;
  decode_.limits.max_packet_size = std::min(cfg.max_packet_size, transport.info().max_packet_size);
  decode_.limits.topic_alias_maximum = cfg.topic_alias_maximum;
  window_ = std::max<uint32_t>(1, cfg.max_inflight);
}

MqttConnection::~MqttConnection() = default;

void MqttConnection::start() {
  last_rx_ms_ = steady_ms();
  connect_timer_ = core_->host().start_timer(loop_, core_->config().connect_timeout_ms, 0, [this] {
    if (state_ == State::kAwaitConnect && !closed_) {
      core_->metrics().connect(ConnectResultLabel::kTimeout);
      state_ = State::kClosing;
      close_transport(false);
    }
  });
}

template <class P>
bool MqttConnection::send(const P& packet, uint32_t limit) {
  if (!transport_) return false;
  out_.clear();
  m::EncodeOptions o;
  o.max_packet_size = limit ? limit : client_max_packet_;
  if (m::encode(packet, version_, out_, o) != m::EncodeError::kNone) return false;
  transport_->send(std::string_view(reinterpret_cast<const char*>(out_.data()), out_.size()));
  core_->metrics().tx(static_cast<m::PacketType>(out_[0] >> 4));  // the fixed header names the type
  return true;
}

void MqttConnection::close_transport(bool flush) {
  if (transport_) transport_->close(flush);
}

void MqttConnection::on_data(std::span<const uint8_t> bytes) {
  if (closed_ || state_ == State::kClosing || state_ == State::kClosed) return;
  last_rx_ms_ = steady_ms();
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  process();
}

void MqttConnection::process() {
  if (pumping_process_) return;
  pumping_process_ = true;
  size_t off = 0;
  while (!closed_ && (state_ == State::kAwaitConnect || state_ == State::kConnected) && off < buffer_.size()) {
    std::span<const uint8_t> span(buffer_.data() + off, buffer_.size() - off);
    // Peek first: an oversize packet is refused from its fixed header, and a large packet arriving
    // in many chunks is not re-parsed for every chunk.
    auto peek = m::peek_fixed_header(span, decode_);
    if (peek.status == m::DecodeStatus::kNeedMore) break;
    if (peek.status == m::DecodeStatus::kOk && peek.header.packet_size() > span.size()) break;
    auto r = m::decode(span, decode_);
    if (r.status == m::DecodeStatus::kNeedMore) break;
    if (r.status == m::DecodeStatus::kError) {
      decode_failed(r);
      break;
    }
    off += r.consumed;
    core_->metrics().rx(m::type_of(r.packet));
    handle(std::move(r.packet));
  }
  if (closed_ || state_ == State::kClosing) buffer_.clear();
  else buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(std::min(off, buffer_.size())));
  pumping_process_ = false;
}

void MqttConnection::decode_failed(const m::DecodeResult& r) {
  const auto action = m::action_for(r.error, r.version, r.packet_type);
  core_->host().debug("mqtt " + transport_->info().peer + ": " + std::string(m::describe(r.error)));
  if (state_ == State::kAwaitConnect) {
    core_->metrics().connect(r.error == m::DecodeError::kUnsupportedProtocolVersion ? ConnectResultLabel::kUnsupportedVersion
                             : r.error == m::DecodeError::kClientIdentifierInvalid ||
                                     r.error == m::DecodeError::kClientIdentifierTooLong
                                 ? ConnectResultLabel::kIdentifierRejected
                                 : ConnectResultLabel::kMalformed);
  }
  close_label_ = DisconnectLabel::kProtocolError;
  close_label_set_ = true;
  switch (action.response) {
    case m::ErrorResponse::kClose:
      break;
    case m::ErrorResponse::kConnackThenClose: {
      version_ = action.reply_version;
      m::Connack ack;
      ack.reason_code = action.reply_version == m::ProtocolVersion::v311
                            ? m::from_connect_return_code(action.code).value_or(m::ReasonCode::kUnspecifiedError)
                            : static_cast<m::ReasonCode>(action.code);
      send(ack);
      break;
    }
    case m::ErrorResponse::kDisconnectThenClose: {
      m::Disconnect d;
      d.reason_code = static_cast<m::ReasonCode>(action.code);
      if (request_problem_info_) d.properties.reason_string = std::string(m::describe(r.error));
      send(d);
      break;
    }
  }
  state_ = State::kClosing;
  close_transport(true);
}

void MqttConnection::handle(m::Packet&& packet) {
  if (state_ == State::kAwaitConnect) {
    if (auto* c = std::get_if<m::Connect>(&packet)) return handle_connect(std::move(*c));
    // [MQTT-3.1.0-1]: the first packet must be CONNECT.
    core_->metrics().connect(ConnectResultLabel::kMalformed);
    state_ = State::kClosing;
    close_transport(false);
    return;
  }
  std::visit(
      [&](auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, m::Publish>) {
          handle_publish(std::move(p));
        } else if constexpr (std::is_same_v<T, m::Puback>) {
          core_->on_puback(cell_, p.packet_id);
        } else if constexpr (std::is_same_v<T, m::Pubrec>) {
          core_->on_pubrec(cell_, p.packet_id, p.reason_code);
        } else if constexpr (std::is_same_v<T, m::Pubrel>) {
          handle_pubrel(p);
        } else if constexpr (std::is_same_v<T, m::Pubcomp>) {
          core_->on_pubcomp(cell_, p.packet_id);
        } else if constexpr (std::is_same_v<T, m::Subscribe>) {
          handle_subscribe(std::move(p));
        } else if constexpr (std::is_same_v<T, m::Unsubscribe>) {
          handle_unsubscribe(std::move(p));
        } else if constexpr (std::is_same_v<T, m::Pingreq>) {
          send(m::Pingresp{});
        } else if constexpr (std::is_same_v<T, m::Disconnect>) {
          handle_disconnect(p);
        } else {
          // A second CONNECT [MQTT-3.1.0-2], AUTH without enhanced authentication, or a type the
          // decoder let through for the other direction.
          disconnect(m::ReasonCode::kProtocolError, "unexpected packet");
        }
      },
      packet);
}

void MqttConnection::handle_connect(m::Connect&& c) {
  connect_timer_.cancel();
  const auto& cfg = core_->config();
  const auto& info = transport_->info();
  version_ = c.version;
  decode_.version = version_;
  const bool v5 = version_ == m::ProtocolVersion::v5;
  clean_start_ = c.clean_start;
  client_id_ = c.client_id;
  if (v5) {
    client_max_packet_ = c.properties.maximum_packet_size.value_or(m::kMaxPacketSize);
    request_problem_info_ = c.properties.request_problem_information.value_or(true);
    window_ = std::max<uint32_t>(1, std::min<uint32_t>(c.properties.receive_maximum.value_or(65535), cfg.max_inflight));
  }
  if (v5 && c.properties.authentication_method)
    return refuse(m::ReasonCode::kBadAuthenticationMethod, ConnectResultLabel::kOther, "enhanced authentication is not supported");
  if (client_id_.empty()) {
    if (!v5 && !c.clean_start)  // [MQTT-3.1.3-8]
      return refuse(m::ReasonCode::kClientIdentifierNotValid, ConnectResultLabel::kIdentifierRejected);
    client_id_ = random_client_id();
    assigned_id_ = v5;
  }
  expiry_ = v5 ? c.properties.session_expiry_interval.value_or(0) : (c.clean_start ? 0 : 0xFFFFFFFFu);
  if (expiry_ > cfg.session_expiry_max) {
    expiry_ = cfg.session_expiry_max;
    expiry_capped_ = v5;
  }
  keepalive_ = c.keep_alive;
  if (v5 && cfg.server_keep_alive) {
    keepalive_ = cfg.server_keep_alive;
    keepalive_overridden_ = true;
  } else if (v5 && cfg.keepalive_max && (keepalive_ == 0 || keepalive_ > cfg.keepalive_max)) {
    keepalive_ = cfg.keepalive_max;
    keepalive_overridden_ = true;
  }
  if (c.will) {
    if (c.will->qos > cfg.maximum_qos) return refuse(m::ReasonCode::kQosNotSupported, ConnectResultLabel::kOther);
    if (c.will->retain && !cfg.retain_available)
      return refuse(m::ReasonCode::kRetainNotSupported, ConnectResultLabel::kOther);
    will_delay_ = c.will->properties.will_delay_interval.value_or(0);
    c.will->properties.will_delay_interval.reset();
    will_ = std::make_unique<m::Will>(std::move(*c.will));
  }
  if (!c.username && !info.allow_anonymous)
    return refuse(m::ReasonCode::kNotAuthorized, ConnectResultLabel::kNotAuthorized, "anonymous access is not allowed");

  state_ = State::kAuthenticating;
  std::weak_ptr<MqttConnection> weak = shared_from_this();
  sdk::Host host = core_->host();
  const uint32_t loop = loop_;
  // The answer may come from any thread: hop back to this connection's loop before touching it.
  auto done = [weak, host, loop](ConnectResult r) {
    host.post(loop, [weak, r = std::move(r)]() mutable {
      if (auto self = weak.lock()) self->auth_done(std::move(r));
    });
  };
  if (core_->connect_auth) {
    ConnectCredentials cred;
    cred.client_id = client_id_;
    cred.username = c.username;
    if (c.password) cred.password = std::string(c.password->begin(), c.password->end());
    cred.listener = info.listener;
    cred.peer = info.peer;
    cred.peer_ip = info.peer_ip;
    cred.tls_client_subject = info.tls_client_subject;
    cred.version = version_;
    c.password.reset();
    core_->connect_auth->authorize(cred, std::move(done));
  } else {
    ConnectResult r;
    r.ok = true;
    r.user = c.username.value_or("");
    done(std::move(r));
  }
}

void MqttConnection::auth_done(ConnectResult r) {
  if (closed_ || state_ != State::kAuthenticating) return;
  if (!r.ok) {
    if (r.reason == HERALD_REASON_BAD_CREDENTIALS || r.reason == HERALD_REASON_TOKEN_EXPIRED)
      return refuse(m::ReasonCode::kBadUserNameOrPassword, ConnectResultLabel::kBadCredentials, r.text);
    auto rc = static_cast<m::ReasonCode>(mqtt5_byte(r.reason));
    if (!m::reason_code_allowed(m::PacketType::kConnack, rc) || rc == m::ReasonCode::kSuccess)
      rc = m::ReasonCode::kNotAuthorized;
    return refuse(rc, rc == m::ReasonCode::kBadUserNameOrPassword ? ConnectResultLabel::kBadCredentials
                                                                 : ConnectResultLabel::kNotAuthorized,
                  r.text);
  }
  user_ = std::move(r.user);
  state_ = State::kAttaching;
  AttachRequest req;
  req.client_id = client_id_;
  req.user = user_;
  req.version = version_;
  req.clean_start = clean_start_;
  req.expiry_interval = expiry_;
  core_->attach(shared_from_this(), std::move(req));
}

void MqttConnection::refuse(m::ReasonCode rc, ConnectResultLabel label, std::string_view text) {
  m::Connack ack;
  ack.reason_code = rc;
  if (version_ == m::ProtocolVersion::v5 && request_problem_info_ && !text.empty())
    ack.properties.reason_string = std::string(text);
  send(ack);
  core_->metrics().connect(label);
  will_.reset();
  state_ = State::kClosing;
  close_transport(true);
}

void MqttConnection::attached(const CellPtr& cell, bool session_present) {
  const auto& cfg = core_->config();
  cell_ = cell;
  state_ = State::kConnected;
  m::Connack ack;
  ack.session_present = session_present;
  if (version_ == m::ProtocolVersion::v5) {
    auto& p = ack.properties;
    if (expiry_capped_) p.session_expiry_interval = expiry_;
    if (cfg.receive_maximum != 65535) p.receive_maximum = cfg.receive_maximum;
    if (cfg.maximum_qos != m::QoS::kExactlyOnce) p.maximum_qos = cfg.maximum_qos;
    if (!cfg.retain_available) p.retain_available = false;
    p.maximum_packet_size = decode_.limits.max_packet_size;
    if (assigned_id_) p.assigned_client_identifier = client_id_;
    if (cfg.topic_alias_maximum) p.topic_alias_maximum = cfg.topic_alias_maximum;
    if (!cfg.wildcard_subscriptions) p.wildcard_subscription_available = false;
    if (!cfg.subscription_identifiers) p.subscription_identifier_available = false;
    if (!cfg.shared_subscriptions) p.shared_subscription_available = false;
    if (keepalive_overridden_) p.server_keep_alive = keepalive_;
  }
  send(ack);
  core_->metrics().connect(ConnectResultLabel::kSuccess);
  if (core_->observer) {
    observed_ = true;
    core_->observer->on_session_online(session_event());
  }
  if (closed_ || state_ != State::kConnected) return;  // the observer disconnected us (policy)
  if (keepalive_ > 0) {
    const uint64_t period = std::max<uint64_t>(100, uint64_t{keepalive_} * 250);
    keepalive_timer_ = core_->host().start_timer(loop_, period, period, [this] { check_keepalive(); });
  }
  // Packets the client pipelined behind its CONNECT.
  process();
}

void MqttConnection::check_keepalive() {
  if (closed_ || state_ != State::kConnected) return;
  // [MQTT-3.1.2-24]: one and a half times the keep alive without a packet.
  if (steady_ms() - last_rx_ms_ > uint64_t{keepalive_} * 1500) {
    core_->metrics().keepalive_timeouts.add();
    disconnect(m::ReasonCode::kKeepAliveTimeout, "keep alive timeout", DisconnectLabel::kKeepalive);
  }
}

void MqttConnection::taken_over(bool session_resumed) {
  taken_over_ = true;
  // The old connection ended without a DISCONNECT: its will goes out, unless the new connection
  // resumes the session within the will delay (MQTT 5 3.1.3.2.2).
  if (will_ && (will_delay_ == 0 || !session_resumed))
    core_->publish_will(will_message(*will_, client_id_), user_, client_id_);
  will_.reset();
  cell_.reset();
  core_->metrics().disconnect(DisconnectLabel::kTakenOver);
  disconnect(m::ReasonCode::kSessionTakenOver, "session taken over", DisconnectLabel::kTakenOver);
}

void MqttConnection::disconnect(m::ReasonCode rc, std::string_view reason, DisconnectLabel label) {
  if (closed_ || state_ == State::kClosing || state_ == State::kClosed) return;
  if (version_ == m::ProtocolVersion::v5 && state_ != State::kAwaitConnect) {
    m::Disconnect d;
    d.reason_code = rc;
    if (request_problem_info_ && !reason.empty()) d.properties.reason_string = std::string(reason);
    send(d);
  }
  close_label_ = label;
  close_label_set_ = true;
  state_ = State::kClosing;
  close_transport(true);
}

void MqttConnection::handle_disconnect(const m::Disconnect& d) {
  if (version_ == m::ProtocolVersion::v5) {
    if (d.properties.session_expiry_interval) {
      // [MQTT-3.14.2-2]: a session that was to end at disconnect cannot be extended now.
      if (expiry_ == 0 && *d.properties.session_expiry_interval != 0) {
        disconnect(m::ReasonCode::kProtocolError, "session expiry interval was 0 at CONNECT");
        return;
      }
      new_expiry_ = std::min(*d.properties.session_expiry_interval, core_->config().session_expiry_max);
    }
    will_by_request_ = d.reason_code == m::ReasonCode::kDisconnectWithWillMessage;
  }
  normal_disconnect_ = !will_by_request_;
  close_label_ = will_by_request_ ? DisconnectLabel::kWithWill : DisconnectLabel::kNormal;
  close_label_set_ = true;
  state_ = State::kClosing;
  close_transport(true);
}

void MqttConnection::on_close(CloseCause cause) {
  if (closed_) return;
  const auto& cfg = core_->config();
  if (cause == CloseCause::kShutdown && version_ == m::ProtocolVersion::v5 && state_ == State::kConnected && transport_) {
    m::Disconnect d;
    d.reason_code = m::ReasonCode::kServerShuttingDown;
    send(d);
  }
  closed_ = true;
  connect_timer_.cancel();
  keepalive_timer_.cancel();
  transport_ = nullptr;
  core_->unregister_connection(loop_, this);
  if (!close_label_set_) {
    switch (cause) {
      case CloseCause::kPeerClosed: close_label_ = DisconnectLabel::kPeerClosed; break;
      case CloseCause::kNetworkError: close_label_ = DisconnectLabel::kNetworkError; break;
      case CloseCause::kProtocolClosed: close_label_ = DisconnectLabel::kProtocolError; break;
      case CloseCause::kTooSlow: close_label_ = DisconnectLabel::kTooSlow; break;
      case CloseCause::kShutdown: close_label_ = DisconnectLabel::kShutdown; break;
    }
  }
  if (cell_ && !taken_over_) {
    core_->metrics().disconnect(close_label_);
    MessagePtr will;
    const bool shutdown = cause == CloseCause::kShutdown || core_->shutting_down();
    if (will_ && !normal_disconnect_ && !(shutdown && !cfg.wills_on_shutdown)) will = will_message(*will_, client_id_);
    CellPtr cell = std::move(cell_);
    core_->detach(cell, this, std::move(will), will_delay_, new_expiry_);
  }
  will_.reset();
  inbound_.clear();
  state_ = State::kClosed;
  if (observed_ && core_->observer) {
    observed_ = false;
    SessionEndCause end = SessionEndCause::kNetworkError;
    switch (close_label_) {
      case DisconnectLabel::kNormal: case DisconnectLabel::kWithWill: end = SessionEndCause::kDisconnect; break;
      case DisconnectLabel::kKeepalive: end = SessionEndCause::kKeepalive; break;
      case DisconnectLabel::kTakenOver: end = SessionEndCause::kTakenOver; break;
      case DisconnectLabel::kProtocolError: end = SessionEndCause::kProtocolError; break;
      case DisconnectLabel::kShutdown: end = SessionEndCause::kShutdown; break;
      case DisconnectLabel::kKicked: end = SessionEndCause::kKicked; break;
      default: break;
    }
    core_->observer->on_session_offline(session_event(), end);
  }
}

SessionEvent MqttConnection::session_event() const {
  SessionEvent e;
  e.client_id = client_id_;
  e.user = user_;
  e.connection_id = connection_id_;
  e.loop = loop_;
  e.listener = listener_;
  e.peer = peer_;
  e.version = version_;
  return e;
}

void MqttConnection::abandon() {
  // The net layer dropped the handler without on_close: treat it as a network error.
  if (!closed_) {
    transport_ = nullptr;
    on_close(CloseCause::kNetworkError);
  }
}

// --- inbound PUBLISH ---

void MqttConnection::handle_publish(m::Publish&& p) {
  const auto& cfg = core_->config();
  const bool v5 = version_ == m::ProtocolVersion::v5;
  if (v5 && p.properties.topic_alias) {
    const uint16_t alias = *p.properties.topic_alias;
    if (!p.topic.empty()) {
      aliases_in_[alias] = p.topic;
    } else {
      auto it = aliases_in_.find(alias);
      if (it == aliases_in_.end()) return disconnect(m::ReasonCode::kProtocolError, "unknown topic alias");
      p.topic = it->second;
    }
    p.properties.topic_alias.reset();
  }
  if (p.qos > cfg.maximum_qos) return disconnect(m::ReasonCode::kQosNotSupported, "QoS not supported");
  if (p.retain && !cfg.retain_available) return disconnect(m::ReasonCode::kRetainNotSupported, "retain not supported");
  if (p.qos == m::QoS::kExactlyOnce) {
    if (pending_qos2_.count(p.packet_id)) return;  // answered when the first copy is done
    if (cell_->s.inbound_qos2.count(p.packet_id)) {  // a resend after our PUBREC: answer, do not route
      m::Pubrec rec;
      rec.packet_id = p.packet_id;
      send(rec);
      return;
    }
  }
  if (p.qos != m::QoS::kAtMostOnce && ++inbound_unacked_ > cfg.receive_maximum && v5)
    return disconnect(m::ReasonCode::kReceiveMaximumExceeded, "receive maximum exceeded");
  if (p.qos == m::QoS::kExactlyOnce) pending_qos2_.insert(p.packet_id);

  auto item = std::make_shared<Inbound>();
  item->reserved = p.topic.starts_with("$im/");
  if (cfg.max_topic_levels && level_count(p.topic) > cfg.max_topic_levels) {
    item->done = item->started = true;
    item->accepted = false;
    item->reason = HERALD_REASON_TOPIC_NAME_INVALID;
    item->text = "too many topic levels";
  } else if (core_->topic_auth && !core_->topic_auth->check_publish(user_, client_id_, p.topic)) {
    item->done = item->started = true;
    item->accepted = false;
    item->reason = HERALD_REASON_NOT_AUTHORIZED;
    item->text = "not authorized";
    item->drop = DropLabel::kNotAuthorized;
    core_->host().debug("mqtt publish refused by ACL: client " + client_id_ + " topic " + p.topic);
  }
  item->publish = std::move(p);
  inbound_.push_back(std::move(item));
  pump_inbound();
}

void MqttConnection::pump_inbound() {
  // Re-entrant calls (a gate answering inline) return here; the outer loop picks the answer up.
  if (pumping_) return;
  pumping_ = true;
  while (!inbound_.empty() && !closed_ && state_ == State::kConnected) {
    auto item = inbound_.front();
    if (!item->started) {
      item->started = true;
      start_inbound(item);
    }
    if (!item->done) {
      start_reserved_behind();
      break;  // later publishes of this client wait behind it: order is kept
    }
    inbound_.pop_front();
    finish_inbound(*item);
  }
  pumping_ = false;
}

void MqttConnection::start_reserved_behind() {
  // $im/ requests right behind a pending one start at once, in arrival order: the IM core takes them
  // in the order they are submitted (as the binary front's pipelined requests), answers them in that
  // order, and a client's window of sends shares one commit instead of one commit each. They still
  // finish (PUBACK) in arrival order above. A plain publish stops this: it waits for everything
  // before it, as before.
  for (size_t i = 1; i < inbound_.size() && !closed_ && state_ == State::kConnected; ++i) {
    auto item = inbound_[i];
    if (!item->reserved) return;
    if (!item->started) {
      item->started = true;
      start_inbound(item);
    }
  }
}

void MqttConnection::start_inbound(const std::shared_ptr<Inbound>& item) {
  const auto& cfg = core_->config();
  std::weak_ptr<MqttConnection> weak = shared_from_this();
  auto& p = item->publish;
  if (item->reserved) {
    if (!core_->reserved) {
      item->done = true;
      item->accepted = false;
      item->reason = HERALD_REASON_IMPLEMENTATION_SPECIFIC;
      item->text = "IM topics are not enabled";
      return;
    }
    ReservedPublish rp;
    rp.user = user_;
    rp.client_id = client_id_;
    rp.topic = p.topic;
    rp.payload = std::move(p.payload);
    rp.qos = p.qos;
    rp.properties = std::move(p.properties);
    rp.listener = transport_->info().listener;
    rp.peer = transport_->info().peer;
    rp.loop = loop_;
    sdk::Host host = core_->host();
    const uint32_t loop = loop_;
    core_->reserved->on_publish(std::move(rp), [weak, item, host, loop](herald_reason reason, std::string text) {
      host.post(loop, [weak, item, reason, text = std::move(text)]() mutable {
        item->done = true;
        item->accepted = reason == HERALD_REASON_OK;
        item->reason = reason;
        item->text = std::move(text);
        if (auto self = weak.lock()) self->pump_inbound();
      });
    });
    return;
  }
  if (core_->gate && !cfg.pipeline.empty()) {
    PublishFields f;
    f.pipeline = cfg.pipeline;
    f.user = user_;
    f.client_id = client_id_;
    f.topic = p.topic;
    f.listener = transport_->info().listener;
    f.peer = transport_->info().peer;
    f.qos = static_cast<uint8_t>(p.qos);
    f.retain = p.retain;
    std::shared_ptr<BrokerCore> core = core_;
    std::string_view payload(reinterpret_cast<const char*>(p.payload.data()), p.payload.size());
    core_->gate->submit(f, payload, loop_, [weak, item, core](GateResult g) {
      if (g.payload) item->publish.payload.assign(g.payload->begin(), g.payload->end());  // rewritten by a stage
      item->done = true;
      item->accepted = g.accepted;
      item->reason = g.reason;
      item->text = std::move(g.text);
      if (!g.accepted) item->drop = DropLabel::kRejected;
      if (auto self = weak.lock(); self && !self->closed()) {
        self->pump_inbound();
      } else if (g.accepted) {
        // The publisher is gone but the pipeline accepted the message: deliver it anyway.
        core->metrics().published[static_cast<size_t>(item->publish.qos)].add();
        core->route(message_from_publish(std::move(item->publish), "", wall_ms()));
      }
    });
    return;
  }
  item->done = true;
}

void MqttConnection::finish_inbound(Inbound& item) {
  const uint16_t id = item.publish.packet_id;
  const m::QoS qos = item.publish.qos;
  if (item.accepted) {
    if (!item.reserved) {
      core_->metrics().published[static_cast<size_t>(qos)].add();
      core_->route(message_from_publish(std::move(item.publish), client_id_, wall_ms()));
    }
    ack_publish(id, qos, m::ReasonCode::kSuccess, {});
    return;
  }
  core_->metrics().drop(item.drop);
  // 3.1.1 has no negative acknowledgement: ack and drop.
  const m::ReasonCode rc = version_ == m::ProtocolVersion::v5 ? puback_code_for(item.reason) : m::ReasonCode::kSuccess;
  ack_publish(id, qos, rc, item.text);
}

void MqttConnection::ack_publish(uint16_t packet_id, m::QoS qos, m::ReasonCode rc, std::string_view text) {
  if (qos == m::QoS::kAtMostOnce) return;
  const bool v5 = version_ == m::ProtocolVersion::v5;
  if (qos == m::QoS::kAtLeastOnce) {
    m::Puback ack;
    ack.packet_id = packet_id;
    ack.reason_code = rc;
    if (v5 && request_problem_info_ && !text.empty()) ack.properties.reason_string = std::string(text);
    send(ack);
    if (inbound_unacked_) --inbound_unacked_;
    return;
  }
  pending_qos2_.erase(packet_id);
  m::Pubrec rec;
  rec.packet_id = packet_id;
  rec.reason_code = rc;
  if (v5 && request_problem_info_ && !text.empty()) rec.properties.reason_string = std::string(text);
  send(rec);
  if (static_cast<uint8_t>(rc) < 0x80) {
    if (cell_) cell_->s.inbound_qos2[packet_id] = true;
  } else if (inbound_unacked_) {
    --inbound_unacked_;  // an error PUBREC ends the exchange
  }
}

void MqttConnection::handle_pubrel(const m::Pubrel& p) {
  const bool found = cell_->s.inbound_qos2.erase(p.packet_id) > 0;
  m::Pubcomp comp;
  comp.packet_id = p.packet_id;
  comp.reason_code = found ? m::ReasonCode::kSuccess : m::ReasonCode::kPacketIdentifierNotFound;
  send(comp);
  if (found && inbound_unacked_) --inbound_unacked_;
}

// --- SUBSCRIBE / UNSUBSCRIBE ---

uint8_t MqttConnection::subscribe_code(const m::Subscription& sub, uint32_t, bool& ok) {
  const auto& cfg = core_->config();
  ok = false;
  auto shared = m::parse_shared_subscription(sub.filter);
  std::string_view f = shared ? shared->filter : std::string_view(sub.filter);
  if (m::validate_topic_filter(sub.filter) != m::DecodeError::kNone) return 0x8F;
  if (shared && !cfg.shared_subscriptions) return 0x9E;
  if (!cfg.wildcard_subscriptions && f.find_first_of("+#") != std::string_view::npos) return 0xA2;
  if (cfg.max_topic_levels && level_count(f) > cfg.max_topic_levels) return 0x8F;
  // Reserved IM topics: a session may only ever see its own inbox, whatever the ACL says.
  if (f == "$im" || f.starts_with("$im/")) {
    if (user_.empty() || f != "$im/inbox/" + user_) return 0x87;
  }
  if (core_->topic_auth && !core_->topic_auth->check_subscribe(user_, client_id_, sub.filter)) return 0x87;
  ok = true;
  return 0;
}

void MqttConnection::handle_subscribe(m::Subscribe&& s) {
  const auto& cfg = core_->config();
  uint32_t sub_id = s.properties.subscription_identifiers.empty() ? 0 : s.properties.subscription_identifiers.front();
  if (sub_id && !cfg.subscription_identifiers)
    return disconnect(m::ReasonCode::kSubscriptionIdentifiersNotSupported, "subscription identifiers not supported");
  m::Suback ack;
  ack.packet_id = s.packet_id;
  struct Retained {
    std::string filter;
    m::SubscribeOptions options;
  };
  std::vector<Retained> retained;
  for (auto& sub : s.subscriptions) {
    bool ok = false;
    uint8_t code = subscribe_code(sub, sub_id, ok);
    if (ok) {
      m::SubscribeOptions opts = sub.options;
      opts.max_qos = std::min(opts.max_qos, cfg.maximum_qos);
      const bool is_new = core_->add_subscription(cell_, sub.filter, opts, sub_id, false);
      code = static_cast<uint8_t>(opts.max_qos);
      const bool shared = m::parse_shared_subscription(sub.filter).has_value();
      // [MQTT-3.3.1-9..11] retain handling; shared subscriptions get no retained messages.
      if (!shared && cfg.retain_available &&
          (opts.retain_handling == m::RetainHandling::kSendAtSubscribe ||
           (opts.retain_handling == m::RetainHandling::kSendIfNewSubscription && is_new)))
        retained.push_back({sub.filter, opts});
    } else {
      core_->host().debug("mqtt subscribe refused: client " + client_id_ + " filter " + sub.filter);
    }
    ack.reason_codes.push_back(static_cast<m::ReasonCode>(code));
  }
  send(ack);
  for (auto& r : retained) core_->send_retained(cell_, r.filter, r.options, sub_id);
}

void MqttConnection::handle_unsubscribe(m::Unsubscribe&& u) {
  m::Unsuback ack;
  ack.packet_id = u.packet_id;
  for (auto& f : u.filters)
    ack.reason_codes.push_back(core_->remove_subscription(cell_, f) ? m::ReasonCode::kSuccess
                                                                   : m::ReasonCode::kNoSubscriptionExisted);
  if (version_ != m::ProtocolVersion::v5) ack.reason_codes.clear();
  send(ack);
}

// --- outbound ---

bool MqttConnection::send_publish(const OutMsg& out) {
  if (!transport_) return false;
  const Message& msg = *out.msg;
  if (!scratch_) scratch_ = std::make_unique<m::Publish>();  // idle connections never need one
  m::Publish& scratch = *scratch_;
  scratch.topic.assign(msg.topic);
  scratch.payload.assign(msg.payload.begin(), msg.payload.end());
  scratch.qos = out.qos;
  scratch.retain = out.retain;
  scratch.dup = out.sent_once && out.qos != m::QoS::kAtMostOnce;
  scratch.packet_id = out.qos == m::QoS::kAtMostOnce ? 0 : out.packet_id;
  if (version_ == m::ProtocolVersion::v5) {
    scratch.properties = msg.properties;
    scratch.properties.subscription_identifiers = out.sub_ids;
    if (msg.expiry_at_ms) {
      const uint64_t now = wall_ms();
      const uint64_t left = msg.expiry_at_ms > now ? (msg.expiry_at_ms - now + 999) / 1000 : 1;
      scratch.properties.message_expiry_interval = static_cast<uint32_t>(std::min<uint64_t>(left, 0xFFFFFFFFu));
    }
  } else if (!scratch.properties.empty()) {
    scratch.properties = {};
  }
  out_.clear();
  m::EncodeOptions o;
  o.max_packet_size = client_max_packet_;
  // [MQTT-3.1.2-25]: a PUBLISH larger than the client's Maximum Packet Size is discarded.
  if (m::encode(scratch, version_, out_, o) != m::EncodeError::kNone) return false;
  transport_->send(std::string_view(reinterpret_cast<const char*>(out_.data()), out_.size()));
  core_->metrics().tx(m::PacketType::kPublish);
  core_->metrics().delivered[static_cast<size_t>(out.qos)].add();
  return true;
}

void MqttConnection::send_pubrel(uint16_t packet_id, m::ReasonCode rc) {
  m::Pubrel rel;
  rel.packet_id = packet_id;
  rel.reason_code = rc;
  send(rel);
}

// --- handler ---

MqttHandler::MqttHandler(std::shared_ptr<BrokerCore> core, Transport& transport)
    : conn_(std::make_shared<MqttConnection>(core, transport)) {
  core->register_connection(transport.info().loop, conn_.get());
  conn_->start();
}

MqttHandler::~MqttHandler() { conn_->abandon(); }

}  // namespace herald::gateway::mqtt
