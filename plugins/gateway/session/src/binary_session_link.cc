// BinarySessionLink: binary session open/close -> SessionRegistry add/remove.
#include "herald/gateway/session/binary_session_link.h"

namespace herald::gateway::session {

void BinarySessionLink::on_session_open(const std::shared_ptr<binary::BinaryConnectionHandle>& connection) {
  const binary::SessionInfo& s = connection->session();
  DeviceSession d;
  d.user = s.user;
  d.device = s.device;
  d.platform = binary::platform_name(s.platform);
  if (d.platform.empty()) d.platform = "other";  // unspecified: one shared bucket for one_per_platform
  d.protocol = Protocol::kBinary;
  d.connection_id = s.connection_id;
  d.loop = s.loop;
  d.control = std::make_shared<BinarySessionControl>(connection);
  registry_.add(std::move(d));
}

void BinarySessionLink::on_session_closed(const binary::SessionInfo& session, binary::SessionEnd) {
  registry_.remove(session.user, session.device, session.connection_id);
}

}  // namespace herald::gateway::session
