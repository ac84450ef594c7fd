// Notifications from a PUSH frame (notification_builder.h).
#include "notification_builder.h"

namespace herald::push {
namespace {

namespace bin = herald::binary;

const char* kind_name(bin::MessageKind k) {
  switch (k) {
    case bin::MessageKind::kText: return "text";
    case bin::MessageKind::kImage: return "image";
    case bin::MessageKind::kAudio: return "audio";
    case bin::MessageKind::kVideo: return "video";
    case bin::MessageKind::kFile: return "file";
    case bin::MessageKind::kSystem: return "system";
    default: return "custom";
  }
}

// "{sender}", "{text}", "{conv}" replaced; text cut to keep payloads well under APNs' 4 KB.
std::string fill(const std::string& tmpl, const std::string& sender, const std::string& text, const std::string& conv) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    auto take = [&](std::string_view key, const std::string& value) {
      if (tmpl.compare(i, key.size(), key) != 0) return false;
      out += value;
      i += key.size();
      return true;
    };
    if (take("{sender}", sender) || take("{text}", text) || take("{conv}", conv)) continue;
    out.push_back(tmpl[i++]);
  }
  return out;
}

std::string clip_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a code point
  s.resize(n);
  return s + "…";
}

}  // namespace

std::vector<Notification> notifications_for(const PushConfig& config, const std::string& user,
                                            const bin::PushFrame& push) {
  std::vector<Notification> out;
  for (const auto& entry : push.entries) {
    Notification n;
    n.user = user;
    n.badge = push.badge;
    if (const auto* m = std::get_if<bin::MessageEntry>(&entry)) {
      if (m->from.value == user) continue;  // the user's own message, sent from another device
      n.conv = m->conv.value;
      n.msg_id = std::to_string(m->msg_id);
      std::string text = m->kind == bin::MessageKind::kText || m->kind == bin::MessageKind::kSystem
                             ? std::string(m->body.begin(), m->body.end())
                             : std::string();
      if (config.privacy) {
        n.title = config.privacy_title;
        n.body = config.privacy_body;
      } else {
        auto body = config.bodies.find(kind_name(m->kind));
        n.title = clip_utf8(fill(config.title, m->from.value, "", n.conv), 120);
        n.body = clip_utf8(fill(body != config.bodies.end() ? body->second : "{text}", m->from.value, text, n.conv), 1000);
      }
      if (config.collapse) n.collapse_id = n.conv;
    } else if (const auto* s = std::get_if<bin::SignalEntry>(&entry)) {
      if (!config.silent_signals) continue;
      n.silent = true;
      n.conv = s->conv.value;
      if (!s->msg_ids.empty()) n.msg_id = std::to_string(s->msg_ids.front());
    }
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace herald::push
