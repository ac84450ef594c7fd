// ReplicationRecord: one state-changing request as it travels through the cluster log (docs/cluster.md).
// Every node decodes the same bytes and applies them, so the record carries everything the operation
// depends on: who asked, the origin's clock (the message ts and msg_id derive from it, not from the
// applying node's clock) and the request frame itself.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace herald::messaging {

struct ReplicationRecord {
  enum class Kind : uint8_t {
    kRequest = 1,  // a client request frame (READ, RECALL, DELETE, GROUP_OP, UNREAD_REQUEST, PUSH_TOKEN)
    kSend = 2,     // a SEND after the origin's inbound pipeline (its stages may have changed the body)
  };
  Kind kind = Kind::kRequest;
  std::string origin;      // the appending node's instance ("<node_id>/<random>"): who answers the client
  uint64_t request = 0;    // the origin's id of the waiting client answer
  uint64_t ts_ms = 0;      // the origin's clock when it appended
  std::string user, device, protocol;
  bool admin = false;      // core's admin API speaking as the server
  std::vector<uint8_t> frame;  // the encoded request frame (binary protocol)
};

std::vector<uint8_t> encode_record(const ReplicationRecord& r);
// nullopt for bytes that are not a record of this format version (the caller logs and skips them).
std::optional<ReplicationRecord> decode_record(std::span<const uint8_t> bytes);

}  // namespace herald::messaging
