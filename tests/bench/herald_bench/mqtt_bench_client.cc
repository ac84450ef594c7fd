// MqttBenchClient: libmosquitto callbacks mapped onto the Worker's counters. Plain payloads start
// with the 8-byte send time; IM sends are {"cmid","type":"text","body":"t<ns>..."} and the inbox
// entries of kind "msg" carry that body back.
#include "mqtt_bench_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "message_stamp.h"

namespace herald::bench {

namespace {

// The value of "key" in a flat JSON object as raw text (string contents without quotes); empty when
// absent. Enough for Herald's inbox entries, which are compact JSON written by the gateway.
std::string_view json_field(std::string_view json, std::string_view key) {
  std::string pattern = "\"" + std::string(key) + "\"";
  auto at = json.find(pattern);
  if (at == std::string_view::npos) return {};
  at += pattern.size();
  while (at < json.size() && (json[at] == ' ' || json[at] == ':')) ++at;
  if (at >= json.size()) return {};
  if (json[at] == '"') {
    auto end = json.find('"', at + 1);
    return end == std::string_view::npos ? std::string_view{} : json.substr(at + 1, end - at - 1);
  }
  auto end = json.find_first_of(",}", at);
  return json.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

// libmosquitto 2.0 gives every client a socketpair so other threads can wake a select() loop
// (struct mosquitto begins: int sock, sockpairR, sockpairW). Driven from one thread by our own epoll
// loop it is never read, yet it takes two descriptors per client (only a third of the connections
// would fit under RLIMIT_NOFILE) and a write() per publish. Closed only when the layout checks out:
// no socket yet, and both fields are AF_UNIX stream sockets; otherwise left alone.
void drop_wakeup_pair(mosquitto* mosq) {
  int fields[3];
  std::memcpy(fields, static_cast<void*>(mosq), sizeof fields);
  if (fields[0] != -1) return;
  for (int i = 1; i <= 2; ++i) {
    int domain = 0, type = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fields[i], SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_UNIX) return;
    len = sizeof type;
    if (getsockopt(fields[i], SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return;
  }
  ::close(fields[1]);
  ::close(fields[2]);
  fields[1] = fields[2] = -1;
  std::memcpy(static_cast<void*>(mosq), fields, sizeof fields);
}

}  // namespace

MqttBenchClient::MqttBenchClient(const BenchOptions& options, MqttClientSpec spec)
    : options_(options), spec_(std::move(spec)) {}

MqttBenchClient::~MqttBenchClient() {
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

bool MqttBenchClient::begin() {
  mosq_ = mosquitto_new(spec_.client_id.c_str(), options_.clean_session, this);
  if (mosq_ == nullptr) return false;
  drop_wakeup_pair(mosq_);
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_max_inflight_messages_set(mosq_, 0);  // the worker keeps the window
  if (!spec_.username.empty()) mosquitto_username_pw_set(mosq_, spec_.username.c_str(), spec_.password.c_str());
  mosquitto_connect_callback_set(mosq_, &MqttBenchClient::on_connect);
  mosquitto_subscribe_callback_set(mosq_, &MqttBenchClient::on_subscribe);
  mosquitto_publish_callback_set(mosq_, &MqttBenchClient::on_publish);
  mosquitto_message_callback_set(mosq_, &MqttBenchClient::on_message);
  mosquitto_disconnect_callback_set(mosq_, &MqttBenchClient::on_disconnect);
  int rc = mosquitto_connect_bind_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s,
                                        spec_.bind_address.empty() ? nullptr : spec_.bind_address.c_str());
  if (rc != MOSQ_ERR_SUCCESS) {
    worker->error(std::string("connect: ") + mosquitto_strerror(rc));
    return false;
  }
  fd_ = mosquitto_socket(mosq_);
  if (fd_ < 0) return false;
  mask_ = EPOLLIN | EPOLLOUT;
  worker->watch(fd_, this, mask_);
  return true;
}

void MqttBenchClient::lost(const std::string& why) {
  if (dead) return;
  if (fd_ >= 0) worker->unwatch(fd_);
  worker->client_failed(this, why);
}

void MqttBenchClient::update_mask() {
  if (dead || fd_ < 0) return;
  std::uint32_t want = EPOLLIN | (mosquitto_want_write(mosq_) ? EPOLLOUT : 0u);
  if (want != mask_) {
    mask_ = want;
    worker->rewatch(fd_, this, mask_);
  }
}

void MqttBenchClient::on_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    int rc = mosquitto_loop_read(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS) return lost(std::string("read: ") + mosquitto_strerror(rc));
  }
  if (dead) return;
  if ((events & EPOLLOUT) || mosquitto_want_write(mosq_)) {
    int rc = mosquitto_loop_write(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS) return lost(std::string("write: ") + mosquitto_strerror(rc));
  }
  update_mask();
}

void MqttBenchClient::on_second() {
  mosquitto_loop_misc(mosq_);
  update_mask();
}

bool MqttBenchClient::send_one(std::uint64_t now) {
  auto size = static_cast<std::size_t>(options_.payload);
  if (spec_.im) {
    payload_ = "{\"cmid\":\"" + spec_.cmid_prefix + std::to_string(++seq_) + "\",\"type\":\"text\",\"body\":\"" +
               stamped_text(now, size) + "\"}";
  } else {
    payload_.assign(size, '\0');
    std::memcpy(payload_.data(), &now, sizeof now);
  }
  int rc = mosquitto_publish(mosq_, nullptr, spec_.publish.c_str(), static_cast<int>(payload_.size()), payload_.data(),
                             options_.qos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    lost(std::string("publish: ") + mosquitto_strerror(rc));
    return false;
  }
  update_mask();
  return true;
}

void MqttBenchClient::finish() {
  finishing_ = true;
  mosquitto_disconnect(mosq_);
}

bool MqttBenchClient::restart() {
  if (fd_ >= 0) worker->unwatch(fd_);
  finishing_ = true;
  mosquitto_disconnect(mosq_);
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
  fd_ = -1;
  finishing_ = false;
  return begin();
}

void MqttBenchClient::on_connect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttBenchClient*>(self);
  if (rc != 0) return c->lost(std::string("CONNACK refused: ") + mosquitto_connack_string(rc));
  if (c->spec_.sync_on_connect) {
    static const std::string kSync = R"({"since":0,"limit":100})";
    int pub = mosquitto_publish(c->mosq_, &c->sync_mid_, "$im/sync", static_cast<int>(kSync.size()), kSync.data(), 1, false);
    if (pub != MOSQ_ERR_SUCCESS) c->lost(std::string("sync: ") + mosquitto_strerror(pub));
    return;
  }
  if (c->spec_.subscribe.empty()) return c->worker->client_up(c);
  int sub = mosquitto_subscribe(c->mosq_, nullptr, c->spec_.subscribe.c_str(), c->options_.qos);
  if (sub != MOSQ_ERR_SUCCESS) c->lost(std::string("subscribe: ") + mosquitto_strerror(sub));
}

void MqttBenchClient::on_subscribe(mosquitto*, void* self, int, int count, const int* granted) {
  auto* c = static_cast<MqttBenchClient*>(self);
  if (count < 1 || granted[0] >= 0x80) return c->lost("SUBACK refused " + c->spec_.subscribe);
  c->worker->client_up(c);
}

void MqttBenchClient::on_publish(mosquitto*, void* self, int mid) {
  auto* c = static_cast<MqttBenchClient*>(self);
  if (mid == c->sync_mid_) return;
  c->worker->acked(c);
}

void MqttBenchClient::on_message(mosquitto*, void* self, const mosquitto_message* message) {
  static_cast<MqttBenchClient*>(self)->handle_message(*message);
}

void MqttBenchClient::handle_message(const mosquitto_message& message) {
  if (!spec_.im) {
    std::uint64_t stamp = 0;
    if (message.payloadlen < static_cast<int>(sizeof stamp)) return worker->error("short payload");
    std::memcpy(&stamp, message.payload, sizeof stamp);
    worker->delivered(this, stamp);
    return;
  }
  std::string_view json(static_cast<const char*>(message.payload), static_cast<std::size_t>(message.payloadlen));
  std::string_view kind = json_field(json, "kind");
  if (kind == "msg") {
    worker->delivered(this, read_stamp(json_field(json, "body")));
  } else if (kind == "sync_end" && spec_.sync_on_connect) {
    worker->client_up(this);
  } else if (kind == "error") {
    worker->error("inbox error: " + std::string(json_field(json, "reason")));
  }
  // "ack" entries (the sender's own version-only entry) need nothing beyond libmosquitto's PUBACK.
}

void MqttBenchClient::on_disconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttBenchClient*>(self);
  if (c->finishing_) return;
  c->lost(std::string("disconnected: ") + mosquitto_strerror(rc));
}

}  // namespace herald::bench
