// StoreParticipants: the "herald.im.store.v1" service (herald/im_store_service.h). Plugins whose state
// lives in the messaging database register here and are called inside the writer's transaction, so
// what they derive from messages (unread counters) commits or rolls back with the messages.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <herald/sdk.hpp>

#include "herald/im_store_service.h"
#include "messaging/message_store.h"
#include "messaging/writer.h"

struct herald_im_sql;

namespace herald::messaging {

class StoreParticipants : public TxnHooks {
 public:
  StoreParticipants();
  ~StoreParticipants() override;
  StoreParticipants(const StoreParticipants&) = delete;
  StoreParticipants& operator=(const StoreParticipants&) = delete;

  void bind(Writer* writer) { writer_ = writer; }  // before the service is registered
  const herald_im_store_service_v1* table() const { return &table_; }

  // Writer thread, inside a job. Each throws StorageError when a participant refuses, so the job
  // rolls back with everything it wrote.
  void message_stored(MessageStore& store, const herald_im_message_event& event);
  void read_advanced(MessageStore& store, std::string_view user, std::string_view conv, uint64_t seen_seq);
  void member_joined(MessageStore& store, std::string_view user, std::string_view conv, uint64_t seen_seq);
  void member_left(MessageStore& store, std::string_view user, std::string_view conv);
  uint32_t badge(MessageStore& store, std::string_view user);
  // The first participant answering UNREAD_REQUEST, or nullopt when none does (the core answers).
  std::optional<std::vector<uint8_t>> unread(MessageStore& store, std::string_view user,
                                             const std::vector<uint8_t>& request_frame);
  bool empty() const { return list_.empty(); }

  // TxnHooks (writer thread).
  void job_end(bool kept) override;
  void before_commit(MessageStore& store) override;
  void batch_end(bool committed) override;

 private:
  struct Entry {
    const herald_im_participant_v1* table;
    std::unique_ptr<herald_im_sql> sql;
  };
  uint32_t add(const herald_im_participant_v1* p);
  void remove(const herald_im_participant_v1* p);
  herald_im_sql* sql_of(Entry& e, MessageStore& store);
  using CursorFn = int (*)(void*, herald_im_sql*, const herald_im_cursor_event*);
  void cursor_event(MessageStore& store, std::string_view user, std::string_view conv, uint64_t seen_seq,
                    CursorFn herald_im_participant_v1::*fn, const char* what);

  Writer* writer_ = nullptr;
  // Changed only inside Writer::exclusive (no batch runs), read by the writer thread in batches.
  std::vector<Entry> list_;
  herald_im_store_service_v1 table_{};
};

}  // namespace herald::messaging
