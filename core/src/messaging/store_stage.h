// Stages im.store and im.route (see store_stage.cc).
#pragma once

#include <herald/sdk.hpp>

#include "messaging/im_plugin.h"

namespace herald::messaging {

class StoreStage : public sdk::Stage {
 public:
  StoreStage(ImPlugin& plugin, const sdk::Config& config);
  sdk::Verdict process(sdk::StageCall& call) override;

 private:
  ImPlugin& plugin_;
};

class RouteStage : public sdk::Stage {
 public:
  RouteStage(ImPlugin& plugin, const sdk::Config& config);
  sdk::Verdict process(sdk::StageCall& call) override;

 private:
  ImPlugin& plugin_;
};

}  // namespace herald::messaging
