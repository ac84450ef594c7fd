// AccessPolicy: uploader check in SQLite, then one HISTORY_REQUEST per grant (newest first) until one
// shows the message to the user.
#include "access_policy.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include <herald/binary/codec.h>

#include "herald/str.hpp"

namespace herald::media {
namespace {

// Shared with the reply callback, which may arrive after a timeout gave up waiting.
struct Pending {
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<std::string> frame;
};

void on_reply(void* arg, herald_str frame) {
  auto* holder = static_cast<std::shared_ptr<Pending>*>(arg);
  std::shared_ptr<Pending> p = std::move(*holder);
  delete holder;
  std::lock_guard lock(p->mutex);
  p->frame = std::string(sdk::view(frame));
  p->cv.notify_all();
}

}  // namespace

AccessPolicy::Answer AccessPolicy::check(const std::string& user, const MediaInfo& media) {
  if (library_.is_owner(media.media_id, user)) return Answer::kAllowed;
  if (im_ == nullptr) return Answer::kDenied;
  bool unknown = false;
  for (const auto& g : library_.grants(media.media_id, max_grants_)) {
    switch (message_visible(user, g)) {
      case Visibility::kVisible: return Answer::kAllowed;
      case Visibility::kRecalled: library_.revoke_grant(media.media_id, g.msg_id); break;
      case Visibility::kUnknown: unknown = true; break;
      case Visibility::kHidden: break;
    }
  }
  if (unknown) throw MediaError(HERALD_REASON_DEPENDENCY_UNAVAILABLE, "the messaging core did not answer in time");
  return Answer::kDenied;
}

AccessPolicy::Visibility AccessPolicy::message_visible(const std::string& user, const Grant& grant) {
  binary::Frame req;
  binary::HistoryRequestFrame h;
  h.conv.value = grant.conv;
  h.before_seq = grant.seq + 1;  // the newest message at or below the grant's seq
  h.limit = 1;
  req.body = h;
  std::vector<uint8_t> bytes;
  if (binary::encode_frame(req, bytes) != binary::EncodeStatus::kOk) return Visibility::kUnknown;

  herald_im_session session{};
  session.struct_size = sizeof(session);
  session.user = sdk::to_str(user);
  session.device = sdk::to_str("media");
  session.protocol = sdk::to_str("http");
  session.listener = sdk::to_str("media");
  session.peer = sdk::to_str("");
  session.loop = UINT32_MAX;
  auto pending = std::make_shared<Pending>();
  im_->request(im_->self, &session,
               herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()}, &on_reply,
               new std::shared_ptr<Pending>(pending));
  std::string frame;
  {
    std::unique_lock lock(pending->mutex);
    if (!pending->cv.wait_for(lock, timeout_, [&] { return pending->frame.has_value(); })) return Visibility::kUnknown;
    frame = *pending->frame;
  }
  auto decoded = binary::decode_frame(std::span(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()));
  if (decoded.status != binary::DecodeStatus::kOk) return Visibility::kUnknown;
  if (auto* err = std::get_if<binary::ErrorFrame>(&decoded.frame.body)) {
    // NOT_MEMBER (and any other refusal) means the core will not show this user that conversation.
    return err->code == HERALD_REASON_SERVER_BUSY || err->code == HERALD_REASON_TIMEOUT ||
                   err->code == HERALD_REASON_STORAGE_UNAVAILABLE
               ? Visibility::kUnknown
               : Visibility::kHidden;
  }
  auto* page = std::get_if<binary::HistoryPageFrame>(&decoded.frame.body);
  if (page == nullptr) return Visibility::kUnknown;
  for (const auto& m : page->messages)
    if (m.msg_id == grant.msg_id) return m.recalled ? Visibility::kRecalled : Visibility::kVisible;
  return Visibility::kHidden;  // deleted for this user, or sent before they joined
}

}  // namespace herald::media
