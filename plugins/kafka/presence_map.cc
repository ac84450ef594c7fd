#include "presence_map.h"

#include "client_conf.h"

#include <cstring>

namespace herald::kafka {

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

PresenceMap::PresenceMap(sdk::Host host, const KafkaConfig& config, rd_kafka_t* producer, std::string instance,
                         sdk::Metric devices_elsewhere)
    : host_(host), config_(config), producer_(producer), instance_(std::move(instance)),
      devices_elsewhere_(devices_elsewhere),
      topic_(rd_kafka_topic_new(producer_, config_.presence_topic.c_str(), nullptr)) {}

PresenceMap::~PresenceMap() {
  stop();
  if (topic_) rd_kafka_topic_destroy(topic_);
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
}

void PresenceMap::start() {
  char err[512];
  rd_kafka_conf_t* conf = client_conf(config_, "herald-" + instance_ + "-presence");
  conf_set(conf, "group.id", "herald-presence-" + instance_);
  conf_set(conf, "enable.auto.commit", "false");
  conf_set(conf, "fetch.wait.max.ms", std::to_string(config_.fetch_wait.count()));
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!consumer_) throw sdk::PluginError(std::string("kafka presence: cannot create the reader: ") + err);

  // Every partition of the compacted topic, from the beginning: the whole map.
  rd_kafka_topic_t* t = rd_kafka_topic_new(consumer_, config_.presence_topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t rc = rd_kafka_metadata(consumer_, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt < 1) {
    std::string why = rc ? rd_kafka_err2str(rc) : md->topic_cnt == 1 && md->topics[0].err
                                                        ? rd_kafka_err2str(md->topics[0].err)
                                                        : "no partitions";
    if (md) rd_kafka_metadata_destroy(md);
    throw sdk::PluginError("kafka presence: topic " + config_.presence_topic + ": " + why);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i)
    rd_kafka_topic_partition_list_add(parts, config_.presence_topic.c_str(), md->topics[0].partitions[i].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_metadata_destroy(md);
  rc = rd_kafka_assign(consumer_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (rc) throw sdk::PluginError(std::string("kafka presence: cannot read: ") + rd_kafka_err2str(rc));
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void PresenceMap::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  // A clean stop removes this node's entries at once (a kill -9 leaves them to expire).
  std::set<std::string> keys;
  {
    std::lock_guard lock(mutex_);
    keys.swap(mine_);
  }
  for (const auto& k : keys) produce(k, nullptr);
  produce("n|" + instance_, nullptr);
}

void PresenceMap::produce(const std::string& key, const std::string* value) {
  // Fire and forget: a lost presence update costs at most a spurious or missing notification, and
  // the next change or heartbeat repairs it.
  rd_kafka_produce(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                   value ? const_cast<char*>(value->data()) : nullptr, value ? value->size() : 0, key.data(),
                   key.size(), nullptr);
}

void PresenceMap::device_sessions(std::string_view user, std::string_view device, uint32_t local_sessions) {
  std::string key = "d|" + instance_ + "|" + std::string(user) + "|" + std::string(device);
  {
    std::lock_guard lock(mutex_);
    if (local_sessions > 0) mine_.insert(key);
    else mine_.erase(key);
  }
  static const std::string kOnline = "1";
  produce(key, local_sessions > 0 ? &kOnline : nullptr);
}

bool PresenceMap::online_elsewhere(std::string_view user, std::string_view device) const {
  std::string id = std::string(user) + "|" + std::string(device);
  int64_t fresh_after = wall_ms() - 3 * config_.presence_heartbeat.count();
  std::lock_guard lock(mutex_);
  auto it = devices_.find(id);
  if (it == devices_.end()) return false;
  for (const auto& instance : it->second) {
    if (instance == instance_) continue;
    auto hb = heartbeats_.find(instance);
    if (hb != heartbeats_.end() && hb->second > fresh_after) return true;
  }
  return false;
}

void PresenceMap::on_record(std::string_view key, const void* value, size_t size) {
  std::lock_guard lock(mutex_);
  if (key.starts_with("n|")) {
    std::string instance(key.substr(2));
    if (!value) {
      heartbeats_.erase(instance);
      return;
    }
    std::string text(static_cast<const char*>(value), size);
    try {
      heartbeats_[instance] = std::stoll(text);
    } catch (...) {
    }
    return;
  }
  if (!key.starts_with("d|")) return;
  auto rest = key.substr(2);
  auto bar = rest.find('|');
  if (bar == std::string_view::npos) return;
  std::string instance(rest.substr(0, bar));
  std::string id(rest.substr(bar + 1));  // "user|device"
  if (value) {
    devices_[id].insert(instance);
  } else {
    auto it = devices_.find(id);
    if (it != devices_.end()) {
      it->second.erase(instance);
      if (it->second.empty()) devices_.erase(it);
    }
  }
}

void PresenceMap::run() {
  auto next_beat = std::chrono::steady_clock::now();
  while (running_) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_beat) {
      next_beat = now + config_.presence_heartbeat;
      std::string ts = std::to_string(wall_ms());
      produce("n|" + instance_, &ts);
      size_t elsewhere = 0;
      {
        std::lock_guard lock(mutex_);
        for (const auto& [id, instances] : devices_) elsewhere += instances.size() - instances.count(instance_);
      }
      devices_elsewhere_.set(static_cast<double>(elsewhere));
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->key)
      on_record(std::string_view(static_cast<const char*>(m->key), m->key_len), m->payload, m->len);
    rd_kafka_message_destroy(m);
  }
}

}  // namespace herald::kafka
