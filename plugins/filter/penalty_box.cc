// Implementation of PenaltyBox (see penalty_box.h).
#include "penalty_box.h"

#include <algorithm>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

namespace herald::filter {

PenaltyBox::PenaltyBox(PenaltyConfig config, sdk::Clock& clock) : clock_(clock), config_(std::move(config)) {}

void PenaltyBox::set_config(PenaltyConfig config) {
  std::lock_guard lock(config_mu_);
  config_ = std::move(config);
}

PenaltyConfig PenaltyBox::config_locked() {
  std::lock_guard lock(config_mu_);
  return config_;
}

PenaltyBox::Shard& PenaltyBox::shard(std::string_view user) {
  return shards_[std::hash<std::string_view>{}(user) % kShards];
}

void PenaltyBox::expire_locked(Record& r, std::chrono::steady_clock::time_point now) {
  if (r.muted && now >= r.muted_until) {
    r.muted = false;
    --muted_count_;
  }
}

std::optional<PenaltyBox::ms> PenaltyBox::muted(std::string_view user) {
  if (muted_count_.load(std::memory_order_relaxed) <= 0) return std::nullopt;
  const auto now = clock_.steady();
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  auto it = s.users.find(std::string(user));
  if (it == s.users.end()) return std::nullopt;
  expire_locked(it->second, now);
  if (!it->second.muted) return std::nullopt;
  return std::chrono::ceil<ms>(it->second.muted_until - now);
}

void PenaltyBox::trim_locked(Shard& s, std::chrono::steady_clock::time_point now) {
  const PenaltyConfig c = config_locked();
  const size_t cap = std::max<size_t>(1, c.max_users / kShards);
  if (s.users.size() <= cap) return;
  // Forget records that can no longer matter: not muted, no hit inside the window, escalation forgiven.
  for (auto it = s.users.begin(); it != s.users.end();) {
    Record& r = it->second;
    expire_locked(r, now);
    const bool stale = !r.muted && now - r.last_event >= std::max(c.window, c.forgive_after);
    it = stale ? s.users.erase(it) : std::next(it);
  }
  // Still full: drop the quietest unmuted records (their escalation is lost, never a mute).
  if (s.users.size() > cap) {
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> quiet;
    for (auto& [name, r] : s.users)
      if (!r.muted) quiet.emplace_back(r.last_event, name);
    std::sort(quiet.begin(), quiet.end());
    for (size_t i = 0; i < quiet.size() && s.users.size() > cap; ++i) s.users.erase(quiet[i].second);
  }
}

std::optional<PenaltyBox::ms> PenaltyBox::hit(std::string_view user) {
  const PenaltyConfig c = config_locked();
  if (c.hits == 0 || c.mutes.empty()) return std::nullopt;
  const auto now = clock_.steady();
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  auto [it, inserted] = s.users.try_emplace(std::string(user));
  Record& r = it->second;
  expire_locked(r, now);
  if (!inserted && r.level > 0 && now - r.last_event >= c.forgive_after) r.level = 0;
  r.last_event = now;
  r.hits.push_back(now);
  while (!r.hits.empty() && now - r.hits.front() >= c.window) r.hits.pop_front();
  std::optional<ms> started;
  if (!r.muted && r.hits.size() >= c.hits) {
    const ms d = c.mutes[std::min<size_t>(r.level, c.mutes.size() - 1)];
    r.muted = true;
    r.muted_until = now + d;
    ++r.level;
    r.hits.clear();
    ++muted_count_;
    started = d;
  }
  while (r.hits.size() > c.hits) r.hits.pop_front();
  if (inserted) trim_locked(s, now);
  return started;
}

bool PenaltyBox::unmute(std::string_view user) {
  const auto now = clock_.steady();
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  auto it = s.users.find(std::string(user));
  if (it == s.users.end()) return false;
  expire_locked(it->second, now);
  if (!it->second.muted) return false;
  it->second.muted = false;
  it->second.hits.clear();
  --muted_count_;
  return true;
}

void PenaltyBox::mute(std::string_view user, ms duration) {
  const auto now = clock_.steady();
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  Record& r = s.users[std::string(user)];
  if (!r.muted) ++muted_count_;
  r.muted = true;
  r.muted_until = now + duration;
  r.last_event = now;
}

std::string PenaltyBox::mutes_json() {
  const auto now = clock_.steady();
  std::vector<nlohmann::json> rows;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (auto& [name, r] : s.users) {
      expire_locked(r, now);
      if (!r.muted) continue;
      rows.push_back({{"user", name},
                      {"remaining_ms", std::chrono::ceil<ms>(r.muted_until - now).count()},
                      {"level", r.level}});
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a["user"].template get<std::string>() < b["user"].template get<std::string>(); });
  return nlohmann::json{{"mutes", rows}}.dump();
}

size_t PenaltyBox::tracked() {
  size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.users.size();
  }
  return n;
}

}  // namespace herald::filter
