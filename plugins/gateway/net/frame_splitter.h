// Finds frame boundaries in a byte stream without decoding: the HTTP tunnel numbers downstream frames
// one by one and checks that an upstream body holds whole frames (docs/protocol.md 13.3).
#pragma once

#include <cstddef>
#include <string_view>

#include "net/transport.h"

namespace herald::gateway {

enum class SplitStatus { kFrame, kIncomplete, kMalformed };

struct Split {
  SplitStatus status = SplitStatus::kIncomplete;
  size_t size = 0;  // kFrame: bytes of the first frame (prefix included)
  size_t declared = 0;  // the frame's declared total size once its length prefix is complete
};

// Herald binary: length varint (<= 4 bytes) then `length` bytes. MQTT: one byte, remaining-length
// varint (<= 4 bytes), then that many bytes.
Split split_frame(ListenerProtocol protocol, std::string_view bytes);

// Checks that `body` is a sequence of whole frames each at most `max_frame` bytes. Returns 0 when
// fine, else the HTTP status to answer (400 malformed or partial, 413 too large).
int check_whole_frames(ListenerProtocol protocol, std::string_view body, size_t max_frame);

}  // namespace herald::gateway
