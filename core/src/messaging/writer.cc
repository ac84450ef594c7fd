#include "messaging/writer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace herald::messaging {

Writer::Writer(std::unique_ptr<MessageStore> store, WriterMetrics metrics,
               std::function<void(const std::map<std::string, uint64_t>&)> publish_versions,
               std::function<void(MessageStore&)> maintenance, TxnHooks* hooks)
    : store_(std::move(store)), metrics_(metrics), publish_versions_(std::move(publish_versions)),
      maintenance_(std::move(maintenance)), hooks_(hooks) {
  if (store_->deferred_sync()) syncer_ = std::thread([this] { run_syncer(); });
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
  {
    std::lock_guard lock(sync_mutex_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
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
  store_->sync_log();
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
  std::map<std::string, uint64_t> versions;  // of the jobs kept so far
  std::vector<std::pair<WriterJob*, std::pair<herald_reason, std::string>>> refused;
  // Every failure goes through finish() as well, so answers leave in the order of the batches.
  auto fail_all = [&](const std::string& why) {
    Committed done;
    for (auto& job : batch) done.refused.push_back({std::move(job.fail), {HERALD_REASON_STORAGE_UNAVAILABLE, why}});
    finish(std::move(done));
  };
  try {
    store_->begin();
  } catch (const std::exception& e) {
    fail_all(e.what());
    return;
  }
  for (auto& job : batch) {
    // A savepoint per job: a refused request undoes only its own writes, not its batch neighbours'.
    // Each job starts with an empty txn.user_versions, merged when it is kept (no copy per job).
    size_t commits_before = txn.on_commit.size();
    txn.user_versions.clear();
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
    try {
      if (job.savepoint) store_->rollback_savepoint();
    } catch (...) {
    }
    if (hooks_) hooks_->job_end(false);
    txn.on_commit.resize(commits_before);
  }
  txn.user_versions = std::move(versions);
  try {
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
    fail_all(std::string("commit failed: ") + e.what());
    return;
  }
  if (hooks_) hooks_->batch_end(true);
  metrics_.commit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_.batch_size.observe(static_cast<double>(batch.size()));
  Committed done;
  done.durable_needed = true;
  done.versions = std::move(txn.user_versions);
  for (auto& [job, why] : refused) done.refused.push_back({std::move(job->fail), std::move(why)});
  done.on_commit = std::move(txn.on_commit);
  finish(std::move(done));
}

void Writer::finish(Committed done) {
  if (!syncer_.joinable()) return release(done);
  {
    std::lock_guard lock(sync_mutex_);
    committed_.push_back(std::move(done));
  }
  sync_cv_.notify_one();
}

void Writer::release(Committed& done) {
  if (!done.versions.empty()) publish_versions_(done.versions);
  for (auto& [fail, why] : done.refused) fail(why.first, why.second);
  for (auto& fn : done.on_commit) fn();
}

void Writer::run_syncer() {
  for (;;) {
    std::deque<Committed> ready;
    {
      std::unique_lock lock(sync_mutex_);
      sync_cv_.wait(lock, [&] { return sync_stopping_ || !committed_.empty(); });
      if (committed_.empty()) return;  // stopping with nothing left
      ready.swap(committed_);          // group sync: every batch committed so far
    }
    bool needed = false;
    for (const auto& c : ready) needed = needed || c.durable_needed;
    if (needed) {
      auto started = std::chrono::steady_clock::now();
      try {
        store_->sync_log();
      } catch (const std::exception& e) {
        // The batches are committed in SQLite but maybe not on disk, and the kernel may already have
        // dropped the pages it failed to write: nothing here may be acknowledged, and the process
        // cannot tell what is durable. Stop; the restart reads what the disk has.
        std::fprintf(stderr, "herald: messaging: %s; stopping so that no write that may be lost is acknowledged\n",
                     e.what());
        std::abort();
      }
      metrics_.sync_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    for (auto& c : ready) release(c);
  }
}

}  // namespace herald::messaging
