// Parses the gateway's `im:` config section (keys and defaults: plugins/gateway/README.md, "IM").
#include "herald/config_section.hpp"
#include "herald/gateway/im/im_adapter.h"

namespace herald::gateway::im {

ImConfig parse_im_config(const YAML::Node& node, const std::string& path, auth::ConfigErrors& errors) {
  ImConfig c;
  sdk::ConfigSection r(node, path, auth::report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"retransmit_interval", "retransmit_max", "max_unacked"});
  r.duration("retransmit_interval", c.retransmit_interval, false);
  r.duration("retransmit_max", c.retransmit_max, false);
  r.integer("max_unacked", c.max_unacked, 1, 1000000);
  if (c.retransmit_max < c.retransmit_interval)
    r.error("retransmit_max", "must not be smaller than retransmit_interval");
  return c;
}

}  // namespace herald::gateway::im
