// Writer: the one thread that owns the messaging database ("shard").
//
// Why one writer: SQLite allows one writer per database at a time, so several writer threads would
// only queue on its lock; one thread that owns the connection batches instead. It takes everything
// queued, runs it in one BEGIN..COMMIT (group commit: one fsync for the whole batch), and only then
// answers. Every counter (conv seq, user version, msg id) is assigned here, so there is no locking
// around them. The conversation -> writer mapping is the seam for cluster mode: several shards, each
// owning a DB and the conversations hashed to it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <herald/sdk.hpp>

#include "common/string_hash.h"
#include "messaging/message_store.h"

namespace herald::messaging {

// A request refused with a reason code (NOT_MEMBER, NOT_FOUND ...): the job's writes are rolled back.
class ImError : public std::runtime_error {
 public:
  ImError(herald_reason reason, const std::string& text) : std::runtime_error(text), reason_(reason) {}
  herald_reason reason() const { return reason_; }

 private:
  herald_reason reason_;
};

// Users' newest timeline versions. Hashed, not ordered: it is written per message, and users' ids
// share long prefixes (an ordered map compared them ~10 times per insert).
using UserVersions = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

// What a job leaves for after the commit.
struct Txn {
  std::vector<std::function<void()>> on_commit;  // replies and deliveries, in order
  UserVersions user_versions;                    // newest versions this job wrote, for the user_version cache
};

struct WriterJob {
  // Runs on the writer thread inside the batch transaction (its own savepoint). Throws ImError to
  // refuse; any other exception fails it as STORAGE_UNAVAILABLE.
  std::function<void(MessageStore&, Txn&)> run;
  // Called (writer thread) when the job is refused or its batch failed to commit.
  std::function<void(herald_reason, const std::string&)> fail;
  // false: the job refuses (throws) only before its first write, so it needs no savepoint of its own.
  // A savepoint copies every page the job touches into its sub-journal (a memcpy and an allocation
  // per page, ~10 % of the writer in p2p sends), and a PUSH_ACK's SAVEPOINT/RELEASE pair cost more
  // than the ack itself. Should such a job still fail after writing (a disk error), nothing of it can
  // be undone alone: the whole batch is rolled back and every job in it fails with
  // STORAGE_UNAVAILABLE, as when a commit fails, so nothing half-written is ever acknowledged.
  bool savepoint = true;
};

// Storage participants (herald.im.store.v1) follow the batch: which job's writes were kept, a last
// write before COMMIT (merged updates), and whether the batch committed.
class TxnHooks {
 public:
  virtual ~TxnHooks() = default;
  virtual void job_end(bool kept) = 0;
  virtual void before_commit(MessageStore& store) = 0;  // throws to fail the batch
  virtual void batch_end(bool committed) = 0;
};

struct WriterMetrics {
  sdk::Metric commit_seconds;
  sdk::Metric batch_size;
};

class Writer {
 public:
  // Opens the store on the calling thread (so an open failure fails the plugin's init), then starts
  // the thread. `after_open` runs on the writer thread before any job (e.g. loading caches).
  Writer(std::unique_ptr<MessageStore> store, WriterMetrics metrics,
         std::function<void(const UserVersions&)> publish_versions,
         std::function<void(MessageStore&)> maintenance, TxnHooks* hooks = nullptr);
  ~Writer();  // finishes queued jobs, then joins
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(WriterJob job);
  void stop();
  // Runs fn on the calling thread with the store while no batch runs (registration of participants:
  // their schema in a transaction of its own).
  void exclusive(const std::function<void(MessageStore&)>& fn);

 private:
  void run();
  void run_batch(std::deque<WriterJob>& batch);

  std::unique_ptr<MessageStore> store_;
  WriterMetrics metrics_;
  std::function<void(const UserVersions&)> publish_versions_;
  std::function<void(MessageStore&)> maintenance_;
  TxnHooks* hooks_;
  std::mutex batch_mutex_;  // held while a batch (or an exclusive() call) uses the store
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<WriterJob> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herald::messaging
