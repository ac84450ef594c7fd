// Penalties (seed 002 lesson 06): a sender whose messages hit the word lists `hits` times within
// `window` is muted, for longer each time (the `mutes` list; the last repeats) until a quiet
// `forgive_after` resets the escalation. Thread-safe (sharded locks); bounded to max_users records.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "filter_config.h"
#include "herald/clock.hpp"

namespace herald::filter {

class PenaltyBox {
 public:
  using ms = std::chrono::milliseconds;
  explicit PenaltyBox(PenaltyConfig config, sdk::Clock& clock = sdk::system_clock());

  void set_config(PenaltyConfig config);  // reload: records are kept

  // Time left on the user's mute, or nullopt when not muted. Cheap when nobody is muted.
  std::optional<ms> muted(std::string_view user);
  // Counts one offending message. Returns the mute it started, if any.
  std::optional<ms> hit(std::string_view user);
  // Admin: lifts a mute (true when there was one) / mutes for `duration`.
  bool unmute(std::string_view user);
  void mute(std::string_view user, ms duration);

  // {"mutes":[{"user":..,"remaining_ms":..,"level":..}, ...]} for the admin API, sorted by user.
  std::string mutes_json();
  size_t tracked();

 private:
  struct Record {
    std::deque<std::chrono::steady_clock::time_point> hits;  // the last `hits` offences
    uint32_t level = 0;                                      // mutes served so far (escalation)
    std::chrono::steady_clock::time_point muted_until{}, last_event{};
    bool muted = false;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Record> users;
  };
  static constexpr size_t kShards = 16;
  Shard& shard(std::string_view user);
  void expire_locked(Record& r, std::chrono::steady_clock::time_point now);
  void trim_locked(Shard& s, std::chrono::steady_clock::time_point now);
  PenaltyConfig config_locked();

  sdk::Clock& clock_;
  std::mutex config_mu_;
  PenaltyConfig config_;
  std::array<Shard, kShards> shards_;
  std::atomic<int64_t> muted_count_{0};  // records with muted = true (some possibly expired)
};

}  // namespace herald::filter
