// What a PUSH frame means for a user's offline devices: one notification per entry (title and body
// from the per-kind templates or the privacy texts, badge, conversation and msg_id, collapse id),
// signals as silent pushes, the user's own messages skipped. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include <herald/binary/frames.h>

#include "notification.h"
#include "push_config.h"

namespace herald::push {

// Device, provider and token are left empty: the caller fills them per target.
std::vector<Notification> notifications_for(const PushConfig& config, const std::string& user,
                                            const binary::PushFrame& push);

}  // namespace herald::push
