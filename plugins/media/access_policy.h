// Who may download a media object: its uploaders, and the members of a conversation in which a message
// carrying it was sent and not recalled. Membership and recall are asked of the messaging core through
// herald.im.v1 (a one-message HISTORY_REQUEST as the downloading user), so core needs no media hook and
// the answer follows group joins, leaves and recalls as they happen.
#pragma once

#include <chrono>
#include <string>

#include "herald/im_service.h"
#include "media_library.h"

namespace herald::media {

class AccessPolicy {
 public:
  enum class Answer { kAllowed, kDenied };
  AccessPolicy(MediaLibrary& library, std::chrono::milliseconds timeout, std::size_t max_grants_checked = 32)
      : library_(library), timeout_(timeout), max_grants_(max_grants_checked) {}

  void bind(const herald_im_service_v1* im) { im_ = im; }  // start(); nullptr: only uploaders may download

  // Blocking (an HTTP worker or the media worker thread, never a loop thread). A grant whose message was
  // recalled is revoked on the way. Throws MediaError(DEPENDENCY_UNAVAILABLE) when the core did not
  // answer and nothing else allowed it.
  Answer check(const std::string& user, const MediaInfo& media);

 private:
  enum class Visibility { kVisible, kRecalled, kHidden, kUnknown };
  Visibility message_visible(const std::string& user, const Grant& grant);

  MediaLibrary& library_;
  std::chrono::milliseconds timeout_;
  std::size_t max_grants_;
  const herald_im_service_v1* im_ = nullptr;
};

}  // namespace herald::media
