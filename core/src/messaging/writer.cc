#include "messaging/writer.h"

#include <chrono>
#include <optional>

namespace herald::messaging {

Writer::Writer(std::unique_ptr<MessageStore> store, WriterMetrics metrics,
               std::function<void(const UserVersions&)> publish_versions,
               std::function<void(MessageStore&)> maintenance, TxnHooks* hooks)
    : store_(std::move(store)), metrics_(metrics), publish_versions_(std::move(publish_versions)),
      maintenance_(std::move(maintenance)), hooks_(hooks) {
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() { stop(); }

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::submit(WriterJob job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.fail(HERALD_REASON_SERVER_SHUTTING_DOWN, "messaging core is stopping");
}

void Writer::exclusive(const std::function<void(MessageStore&)>& fn) {
  std::lock_guard lock(batch_mutex_);
  fn(*store_);
}

void Writer::run() {
  for (;;) {
    std::deque<WriterJob> batch;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      batch.swap(queue_);          // group commit: everything queued so far
    }
    std::lock_guard lock(batch_mutex_);
    run_batch(batch);
  }
}

void Writer::run_batch(std::deque<WriterJob>& batch) {
  auto started = std::chrono::steady_clock::now();
  Txn txn;
  UserVersions versions;  // of the jobs kept so far
  std::vector<std::pair<WriterJob*, std::pair<herald_reason, std::string>>> refused;
  try {
    store_->begin();
  } catch (const std::exception& e) {
    for (auto& job : batch) job.fail(HERALD_REASON_STORAGE_UNAVAILABLE, e.what());
    return;
  }
  // Why the batch cannot commit: a job without a savepoint failed after writing.
  std::optional<std::string> broken;
  for (auto& job : batch) {
    // A savepoint per job: a refused request undoes only its own writes, not its batch neighbours'.
    // Each job starts with an empty txn.user_versions, merged when it is kept (no copy per job).
    size_t commits_before = txn.on_commit.size();
    txn.user_versions.clear();
    uint64_t writes_before = job.savepoint ? 0 : store_->writes();
    try {
      if (job.savepoint) store_->savepoint();
      job.run(*store_, txn);
      if (job.savepoint) store_->release();
      if (hooks_) hooks_->job_end(true);
      for (auto& [user, v] : txn.user_versions) versions[user] = v;
      continue;
    } catch (const ImError& e) {
      refused.push_back({&job, {e.reason(), e.what()}});
    } catch (const std::exception& e) {
      refused.push_back({&job, {HERALD_REASON_STORAGE_UNAVAILABLE, e.what()}});
    }
    if (!job.savepoint && store_->writes() != writes_before) {
      // Its writes cannot be undone alone: the whole batch goes (below), as when a commit fails.
      broken = refused.back().second.second;
      break;
    }
    try {
      if (job.savepoint) store_->rollback_savepoint();
    } catch (...) {
    }
    if (hooks_) hooks_->job_end(false);
    txn.on_commit.resize(commits_before);
  }
  txn.user_versions = std::move(versions);
  try {
    if (broken) throw StorageError("a request failed after writing: " + *broken);
    store_->flush();  // the batch's counters, before maintenance reads the tables
    if (maintenance_) maintenance_(*store_);
    if (hooks_) hooks_->before_commit(*store_);
    store_->commit();
  } catch (const std::exception& e) {
    // Nothing of the batch is durable: roll back and fail every job, so no client sees an ack for
    // data that is not there. The store drops its counter caches with the rollback (they reload
    // from the tables), so no counter handed out in this batch is handed out differently later.
    store_->rollback();
    if (hooks_) hooks_->batch_end(false);
    std::string why = std::string("commit failed: ") + e.what();
    if (sdk::detail::g_api)  // the operator's line; each client gets STORAGE_UNAVAILABLE
      sdk::detail::g_api->log(sdk::detail::g_ctx, HERALD_LOG_ERROR,
                              sdk::to_str("storage: a batch of " + std::to_string(batch.size()) +
                                          " requests was rolled back, every one refused: " + why));
    for (auto& job : batch) job.fail(HERALD_REASON_STORAGE_UNAVAILABLE, why);
    return;
  }
  if (hooks_) hooks_->batch_end(true);
  metrics_.commit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_.batch_size.observe(static_cast<double>(batch.size()));
  if (!txn.user_versions.empty()) publish_versions_(txn.user_versions);
  for (auto& [job, why] : refused) job->fail(why.first, why.second);
  for (auto& fn : txn.on_commit) fn();
}

}  // namespace herald::messaging
