// Delivery: hands committed messages and signals to the attached sinks (the fronts), tracks room
// membership and the bounded in-memory room history, and (for push bridges) the ack timeout of online
// devices that have a push token.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <herald/binary/frames.h>
#include <herald/sdk.hpp>

#include "herald/im_service.h"
#include "messaging/presence.h"

namespace herald::messaging {

// A device's registered push token (push_tokens row), for offline push.
struct PushTarget {
  std::string device;
  uint32_t provider = 0;  // binary::PushProvider
  std::string app_id;
  std::string token;
  bool sandbox = false;
};

// One encoded PUSH for one user, to every device except `except_device` ("" = all).
struct UserDelivery {
  std::string user;
  std::string except_device;
  std::vector<uint8_t> frame;
  std::vector<PushTarget> push_targets;  // filled only while a sink takes offline pushes
  bool offline_only = false;  // read diffusion to an offline member: only deliver_offline hears of it
};

// What one committed operation sends; prepared in the writer, dispatched after the commit.
struct Deliveries {
  std::vector<UserDelivery> users;
  std::string room;                  // non-empty: a room message ...
  std::vector<uint8_t> room_frame;   // ... fanned out once per loop
  bool empty() const { return users.empty() && room.empty(); }
};

struct DeliveryMetrics {
  sdk::Metric deliveries;     // herald_deliveries_total
  sdk::Metric room_fanouts;   // herald_room_fanouts_total
};

class Delivery {
 public:
  Delivery(uint32_t loop_count, DeliveryMetrics metrics, const Presence& presence)
      : loop_count_(loop_count), metrics_(metrics), presence_(presence) {}
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Ack timeout (im `push.ack_timeout`, 0 = off): a device that is online when an entry is delivered
  // and has a push token, but has not acked that entry's version `timeout` later, is handed to the
  // offline sinks then (deliver_offline with that PUSH frame). At most `max_pending` waits at once;
  // beyond them new ones are not armed. Set once, before sinks attach.
  void set_ack_timeout(std::chrono::milliseconds timeout, size_t max_pending);
  // A PUSH_ACK of (user, device): versions <= up_to and those listed are acked. Any thread, cheap
  // when the device has no pending wait.
  void acked(const std::string& user, const std::string& device, uint64_t up_to, const std::vector<uint64_t>& versions);

  void attach(const herald_im_sink_v1* sink);
  // Returns once no delivery uses the sink any more.
  void detach(const herald_im_sink_v1* sink);
  // Any thread. Calls into sinks are serialised, so a sink is never entered concurrently.
  void dispatch(const Deliveries& d);
  // True while an attached sink takes offline pushes (deliver_offline): the writer then looks up the
  // recipients' push tokens.
  bool wants_push_targets() const { return offline_sinks_.load(std::memory_order_relaxed) > 0; }

  // Rooms: in-memory membership per device and a ring of recent messages.
  void join_room(const std::string& room, const std::string& user, const std::string& device);
  void leave_room(const std::string& room, const std::string& user, const std::string& device);
  void leave_all_rooms(const std::string& user, const std::string& device);
  bool in_room(const std::string& room, const std::string& user) const;
  void remember_room_message(const std::string& room, const binary::MessageEntry& entry, size_t capacity);
  std::vector<binary::MessageEntry> room_history(const std::string& room, size_t limit) const;
  // For the admin API: joined users; up to `limit` (user, device) pairs; closing a room removes every
  // member (each sink hears room_left for its devices) and its history. Returns the devices removed.
  size_t room_member_count(const std::string& room) const;
  std::vector<std::pair<std::string, std::string>> room_members(const std::string& room, size_t limit) const;
  size_t close_room(const std::string& room);

 private:
  static bool takes_offline(const herald_im_sink_v1* sink) {
    return HERALD_STRUCT_HAS(sink, herald_im_sink_v1, deliver_offline) && sink->deliver_offline;
  }
  void deliver_offline(const herald_im_sink_v1* sink, const UserDelivery& u) const;
  // The online devices of u that have a token: wait for their acks (set_ack_timeout).
  void arm_ack_waits(const UserDelivery& u);
  struct AckWait;
  // The pending waits of u's offline targets, taken out: a newer notification is about to reach those
  // devices, so the older ones go first (in order) instead of overtaking it later with a stale badge.
  std::vector<AckWait> take_overtaken_waits(const UserDelivery& u);
  void notify_unacked(const herald_im_sink_v1* sink, const AckWait& w) const;
  void run_ack_timer();

  struct AckWait {
    std::chrono::steady_clock::time_point due;
    std::string user;
    PushTarget target;
    uint64_t version = 0;
    std::shared_ptr<const std::vector<uint8_t>> frame;
    bool done = false;  // acked, or taken out early (take_overtaken_waits): the timer skips it
  };
  using DeviceKey = std::pair<std::string, std::string>;  // (user, device)

  uint32_t loop_count_;
  DeliveryMetrics metrics_;
  const Presence& presence_;
  std::atomic<int> offline_sinks_{0};
  std::mutex sinks_mutex_;                 // guards sinks_
  std::vector<const herald_im_sink_v1*> sinks_;
  std::mutex dispatch_mutex_;              // held while calling sinks; detach waits on it
  mutable std::mutex rooms_mutex_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> rooms_;  // room -> user -> devices
  std::map<std::pair<std::string, std::string>, std::set<std::string>> device_rooms_;  // (user, device) -> rooms
  std::map<std::string, std::deque<binary::MessageEntry>> room_history_;

  std::chrono::milliseconds ack_timeout_{0};
  size_t ack_max_pending_ = 0;
  std::mutex ack_mutex_;  // guards the ack waits and ack_stopping_
  std::condition_variable ack_cv_;
  std::deque<AckWait> ack_waits_;  // in arming order = due order (one timeout); references stay valid
  std::map<DeviceKey, std::deque<AckWait*>> ack_by_device_;  // the pending waits of each device
  std::atomic<size_t> ack_devices_{0};  // ack_by_device_.size(): acks of devices with no wait skip the lock
  bool ack_stopping_ = false;
  std::thread ack_thread_;
};

}  // namespace herald::messaging
