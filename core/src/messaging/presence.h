// Presence: which devices of a user are connected now (fed by session_opened/closed). Read-diffusion
// groups deliver only to online members, and the admin API asks devices_online() for a user.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/string_hash.h"
#include "herald/im_service.h"

namespace herald::messaging {

class Presence {
 public:
  // A device may hold several sessions at once (reconnect overlap); it is online while any is open.
  // Both return the device's session count on this node afterwards.
  int opened(const std::string& user, const std::string& device) {
    std::lock_guard lock(mutex_);
    return ++sessions_[user][device];
  }
  int closed(const std::string& user, const std::string& device) {
    std::lock_guard lock(mutex_);
    auto u = sessions_.find(user);
    if (u == sessions_.end()) return 0;
    auto d = u->second.find(device);
    int left = 0;
    if (d != u->second.end()) {
      left = --d->second;
      if (left == 0) u->second.erase(d);
    }
    if (u->second.empty()) sessions_.erase(u);
    return left;
  }
  // Cluster mode: the log bridge's presence map says whether a device has a session on another node.
  void set_remote(const herald_im_log_v1* log) {
    remote_.store(log && HERALD_STRUCT_HAS(log, herald_im_log_v1, online_elsewhere) && log->online_elsewhere ? log
                                                                                                          : nullptr);
  }
  bool online_elsewhere(std::string_view user, std::string_view device) const {
    const herald_im_log_v1* log = remote_.load();
    return log && log->online_elsewhere(log->arg, herald_str{user.data(), user.size()},
                                        herald_str{device.data(), device.size()}) != 0;
  }
  std::vector<std::string> devices_online(std::string_view user) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    auto u = sessions_.find(user);
    if (u != sessions_.end())
      for (const auto& [device, count] : u->second) out.push_back(device);
    return out;
  }
  // Whether a device of `user` other than `device` has a session on this node.
  bool online_besides(std::string_view user, std::string_view device) const {
    std::lock_guard lock(mutex_);
    auto u = sessions_.find(user);
    if (u == sessions_.end()) return false;
    return u->second.size() > 1 || (u->second.size() == 1 && u->second.begin()->first != device);
  }
  bool online(std::string_view user) const {
    std::lock_guard lock(mutex_);
    return sessions_.find(user) != sessions_.end();
  }

 private:
  mutable std::mutex mutex_;
  std::atomic<const herald_im_log_v1*> remote_{nullptr};
  // user -> device -> open sessions. Hashed by user: the writer asks once per message.
  std::unordered_map<std::string, std::map<std::string, int>, StringHash, std::equal_to<>> sessions_;
};

// For in-process callers holding only the service table (from service_lookup of "herald.im.v1"
// offered by the built-in "im" plugin): the devices of `user` connected now.
std::vector<std::string> devices_online(const herald_im_service_v1* service, std::string_view user);

}  // namespace herald::messaging
