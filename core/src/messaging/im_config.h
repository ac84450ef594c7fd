// ImConfig: the "im" plugin's config, parsed once into typed fields (every error with its YAML path).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <herald/sdk.hpp>

namespace herald::messaging {

enum class Synchronous { kFull, kNormal };

struct ImConfig {
  std::string pipeline = "inbound";  // where SEND envelopes run
  struct Storage {
    std::string file = "im.db";  // relative to the data dir
    Synchronous synchronous = Synchronous::kFull;
  } storage;
  struct Groups {
    uint32_t write_diffusion_max = 500;  // above this member count a group is read-diffusion
    uint32_t max_members = 100000;
  } groups;
  // For push bridges (sinks with deliver_offline; docs/messaging.md "Offline push").
  struct Push {
    std::chrono::milliseconds ack_timeout{30'000};  // an online device with a token that has not acked by then
                                                    // is notified; 0 = off
    uint32_t max_pending = 100000;                  // ack waits at once
    uint32_t read_diffusion_max = 500;  // offline members of a read-diffusion group looked up per message; 0 = none
  } push;
  struct Rooms {
    uint32_t history = 100;  // messages kept in memory per room for late joiners
  } rooms;
  struct Retention {
    uint64_t max_entries = 10000;  // per user timeline
    std::chrono::milliseconds max_age = std::chrono::hours(24 * 30);
  } retention;
  std::chrono::milliseconds recall_window = std::chrono::minutes(2);
  struct Paging {
    uint32_t page_limit;
    uint32_t max_page;
  };
  Paging sync{100, 1000};
  Paging history{50, 500};
  uint64_t max_body = 64 * 1024;
  // Cluster mode (docs/cluster.md): never run a state change locally, wait for the replication log.
  bool replicated = false;
};

// Parses `node` (defaults already filled in by the host); each problem goes to errors.
ImConfig parse_im_config(const YAML::Node& node, std::vector<std::string>& errors);

// The declared keys with their defaults (what `herald plugins` shows and the host fills in).
std::vector<sdk::KeySpec> im_config_keys();

}  // namespace herald::messaging
