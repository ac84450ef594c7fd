// Presence: which devices of a user are connected now (fed by session_opened/closed). Read-diffusion
// groups deliver only to online members, and the admin API asks devices_online() for a user.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "herald/im_service.h"

namespace herald::messaging {

class Presence {
 public:
  // A device may hold several sessions at once (reconnect overlap); it is online while any is open.
  void opened(const std::string& user, const std::string& device) {
    std::lock_guard lock(mutex_);
    ++sessions_[user][device];
  }
  void closed(const std::string& user, const std::string& device) {
    std::lock_guard lock(mutex_);
    auto u = sessions_.find(user);
    if (u == sessions_.end()) return;
    auto d = u->second.find(device);
    if (d != u->second.end() && --d->second == 0) u->second.erase(d);
    if (u->second.empty()) sessions_.erase(u);
  }
  std::vector<std::string> devices_online(std::string_view user) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    auto u = sessions_.find(std::string(user));
    if (u != sessions_.end())
      for (const auto& [device, count] : u->second) out.push_back(device);
    return out;
  }
  bool online(std::string_view user) const {
    std::lock_guard lock(mutex_);
    return sessions_.count(std::string(user)) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, int>> sessions_;  // user -> device -> open sessions
};

// For in-process callers holding only the service table (from service_lookup of "herald.im.v1"
// offered by the built-in "im" plugin): the devices of `user` connected now.
std::vector<std::string> devices_online(const herald_im_service_v1* service, std::string_view user);

}  // namespace herald::messaging
