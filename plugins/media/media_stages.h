// Pipeline stages for media messages (SENDs of type image, audio, video or file):
//   media.check, before im.store: the body names complete media whose type and size match; the sender
//     uploaded it or may already download it (forwarding); rooms are refused (no history to check against).
//   media.grant, after im.store: records (media, conversation, msg_id, seq) so the members may download.
#pragma once

#include <herald/sdk.hpp>

namespace herald::media {

class MediaPlugin;

class CheckStage : public sdk::Stage {
 public:
  CheckStage(MediaPlugin& plugin, const sdk::Config&) : plugin_(plugin) {}
  sdk::Verdict process(sdk::StageCall& call) override;

 private:
  MediaPlugin& plugin_;
};

class GrantStage : public sdk::Stage {
 public:
  GrantStage(MediaPlugin& plugin, const sdk::Config&) : plugin_(plugin) {}
  sdk::Verdict process(sdk::StageCall& call) override;

 private:
  MediaPlugin& plugin_;
};

}  // namespace herald::media
