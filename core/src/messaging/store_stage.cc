// The pipeline stages of the messaging core. im.store makes a SEND durable (deferring the envelope
// until its batch commits); im.route delivers it. Keeping them apart lets operators put stages
// between "stored" and "delivered" (e.g. an audit tap that must see msg_id and seq).
#include "messaging/store_stage.h"

namespace herald::messaging {

StoreStage::StoreStage(ImPlugin& plugin, const sdk::Config&) : plugin_(plugin) {}
sdk::Verdict StoreStage::process(sdk::StageCall& call) { return plugin_.service().store(call); }

RouteStage::RouteStage(ImPlugin& plugin, const sdk::Config&) : plugin_(plugin) {}
sdk::Verdict RouteStage::process(sdk::StageCall& call) { return plugin_.service().route(call); }

}  // namespace herald::messaging
