#include "replication_log.h"

#include "client_conf.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace herald::kafka {

namespace {
using Clock = std::chrono::steady_clock;

// One append in flight: librdkafka hands it back in the delivery report (msg_opaque).
struct Append {
  herald_im_log_done_fn done;
  void* done_arg;
  Clock::time_point started;
  ReplicationLog* log;
};
}  // namespace

ReplicationLog::ReplicationLog(sdk::Host host, KafkaConfig config, LogMetrics metrics)
    : host_(host), config_(std::move(config)), metrics_(metrics) {
  std::string id = "herald-" + std::string(host_.node_id());
  char err[512];

  rd_kafka_conf_t* pconf = client_conf(config_, id);
  // Exactly-once appends from this producer (no duplicates or reordering on its retries) and an
  // acknowledgement only once every in-sync replica has the record: what the core's ack promises.
  conf_set(pconf, "enable.idempotence", "true");
  conf_set(pconf, "acks", "all");
  conf_set(pconf, "message.timeout.ms", std::to_string(config_.append_timeout.count()));
  conf_set(pconf, "linger.ms", std::to_string(config_.linger.count()));
  rd_kafka_conf_set_opaque(pconf, this);
  rd_kafka_conf_set_dr_msg_cb(pconf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* a = static_cast<Append*>(m->_private);
    if (!a) return;
    std::unique_ptr<Append> owned(a);
    auto& m_metrics = a->log->metrics_;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      m_metrics.appended.add();
      m_metrics.append_seconds.observe(std::chrono::duration<double>(Clock::now() - a->started).count());
      a->done(a->done_arg, 0, sdk::to_str(""));
    } else {
      m_metrics.append_failed.add();
      std::string why = rd_kafka_err2str(m->err);
      a->done(a->done_arg, static_cast<uint16_t>(HERALD_REASON_SERVER_UNAVAILABLE), sdk::to_str(why));
    }
  });
  rd_kafka_conf_set_error_cb(pconf, &ReplicationLog::on_client_error);
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
  if (!producer_) throw sdk::PluginError(std::string("kafka: cannot create the producer: ") + err);
  topic_ = rd_kafka_topic_new(producer_, config_.topic.c_str(), nullptr);

  rd_kafka_conf_t* cconf = client_conf(config_, id + "-reader");
  // The reader assigns its partition itself and keeps its position in the core's store, in the same
  // transaction as the records' effects; Kafka's committed offsets are not used.
  conf_set(cconf, "enable.auto.commit", "false");
  conf_set(cconf, "enable.auto.offset.store", "false");
  conf_set(cconf, "group.id", "herald-replica-" + std::string(host_.node_id()));
  conf_set(cconf, "isolation.level", "read_committed");
  conf_set(cconf, "fetch.wait.max.ms", std::to_string(config_.fetch_wait.count()));
  rd_kafka_conf_set_opaque(cconf, this);
  rd_kafka_conf_set_error_cb(cconf, &ReplicationLog::on_client_error);
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
  if (!consumer_) {
    rd_kafka_topic_destroy(topic_);
    rd_kafka_destroy(producer_);
    throw sdk::PluginError(std::string("kafka: cannot create the reader: ") + err);
  }

  if (!config_.presence_topic.empty()) {
    std::random_device rd;
    char suffix[17];
    snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
    presence_ = std::make_unique<PresenceMap>(host_, config_, producer_, std::string(host_.node_id()) + "-" + suffix,
                                              metrics_.remote_devices);
  }

  table_.struct_size = sizeof(table_);
  table_.arg = this;
  if (presence_) {
    table_.device_sessions = [](void* arg, herald_str user, herald_str device, uint32_t sessions) {
      static_cast<ReplicationLog*>(arg)->presence_->device_sessions(sdk::view(user), sdk::view(device), sessions);
    };
    table_.online_elsewhere = [](void* arg, herald_str user, herald_str device) -> uint32_t {
      return static_cast<ReplicationLog*>(arg)->presence_->online_elsewhere(sdk::view(user), sdk::view(device)) ? 1 : 0;
    };
  }
  table_.append = [](void* arg, herald_str record, herald_im_log_done_fn done, void* done_arg) {
    static_cast<ReplicationLog*>(arg)->append(sdk::view(record), done, done_arg);
  };
}

ReplicationLog::~ReplicationLog() {
  stop();
  presence_.reset();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
  if (topic_) rd_kafka_topic_destroy(topic_);
  if (producer_) rd_kafka_destroy(producer_);
}

void ReplicationLog::on_client_error(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
  auto* self = static_cast<ReplicationLog*>(opaque);
  self->metrics_.errors.add();
  self->host_.warn(std::string("kafka ") + rd_kafka_name(rk) + ": " +
                   rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code)) + ": " + reason);
}

void ReplicationLog::append(std::string_view record, herald_im_log_done_fn done, void* done_arg) {
  auto* a = new Append{done, done_arg, Clock::now(), this};
  if (rd_kafka_produce(topic_, config_.partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(record.data()),
                       record.size(), nullptr, 0, a) != 0) {
    std::string why = rd_kafka_err2str(rd_kafka_last_error());
    delete a;
    metrics_.append_failed.add();
    done(done_arg, static_cast<uint16_t>(HERALD_REASON_SERVER_UNAVAILABLE), sdk::to_str(why));
  }
}

int64_t ReplicationLog::log_end(int timeout_ms) {
  int64_t low = 0, high = 0;
  if (rd_kafka_query_watermark_offsets(consumer_, config_.topic.c_str(), config_.partition, &low, &high,
                                       timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return -1;
  return high;
}

void ReplicationLog::start(const herald_im_service_v1* im) {
  im_ = im;
  uint64_t from = im_->attach_log(im_->self, &table_);
  if (from == UINT64_MAX) {
    im_ = nullptr;
    throw sdk::PluginError("kafka: the messaging core refused the replication log: set "
                           "plugins[im].config.replicated: true (on every node)");
  }
  if (presence_) {
    try {
      presence_->start();
    } catch (...) {
      im_->attach_log(im_->self, nullptr);
      im_ = nullptr;
      throw;
    }
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, config_.topic.c_str(), config_.partition)->offset =
      static_cast<int64_t>(from);
  rd_kafka_resp_err_t rc = rd_kafka_assign(consumer_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    im_->attach_log(im_->self, nullptr);
    throw sdk::PluginError(std::string("kafka: cannot read ") + config_.topic + ": " + rd_kafka_err2str(rc));
  }
  running_ = true;
  metrics_.connected.set(1);
  reader_ = std::thread([this] { read_loop(); });
  poller_ = std::thread([this] { poll_loop(); });

  // Catch up before the fronts serve clients: everything already in the log gets applied first.
  auto deadline = Clock::now() + config_.catch_up_timeout;
  int64_t end = -1;
  while (end < 0 && Clock::now() < deadline) end = log_end(1000);
  if (end < 0) {
    stop();
    throw sdk::PluginError("kafka: no answer from " + config_.bootstrap_servers + " about " + config_.topic +
                           " within catch_up_timeout");
  }
  while (im_->applied_position(im_->self) < static_cast<uint64_t>(end)) {
    if (Clock::now() >= deadline) {
      stop();
      throw sdk::PluginError("kafka: could not apply " + config_.topic + " up to " + std::to_string(end) +
                             " within catch_up_timeout");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // start-up progress poll, not a test wait
  }
  host_.info("kafka: replica caught up with " + config_.topic + " at position " + std::to_string(end));
}

void ReplicationLog::read_loop() {
  auto last_lag = Clock::now();
  while (running_) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 200);
    if (m) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_timestamp_type_t type;
        int64_t ts = rd_kafka_message_timestamp(m, &type);
        im_->apply(im_->self, static_cast<uint64_t>(m->offset),
                   herald_str{static_cast<const char*>(m->payload), m->len});
        metrics_.applied.add();
        if (ts > 0) {
          auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
          metrics_.replication_seconds.observe(static_cast<double>(std::max<int64_t>(0, now_ms - ts)) / 1000.0);
        }
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        metrics_.errors.add();
        host_.warn(std::string("kafka reader: ") + rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (Clock::now() - last_lag > std::chrono::seconds(1)) {
      last_lag = Clock::now();
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_, config_.topic.c_str(), config_.partition, &low, &high) ==
              RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0) {
        uint64_t applied = im_->applied_position(im_->self);
        metrics_.lag.set(static_cast<double>(static_cast<uint64_t>(high) > applied ? high - applied : 0));
      }
    }
  }
}

void ReplicationLog::poll_loop() {
  while (running_) rd_kafka_poll(producer_, 100);  // delivery reports and errors
}

void ReplicationLog::stop() {
  if (!running_.exchange(false)) return;
  if (im_) im_->attach_log(im_->self, nullptr);
  if (presence_) presence_->stop();
  if (reader_.joinable()) reader_.join();
  if (poller_.joinable()) poller_.join();
  // Every pending append gets its delivery report (result or failure) before we return.
  rd_kafka_flush(producer_, 5000);
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_, 0);
  metrics_.connected.set(0);
}

}  // namespace herald::kafka
