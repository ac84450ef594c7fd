// Test support: one frame of every type with every field set, and one with only defaults/required fields.
// Shared by the unit tests and the fuzz corpus generator.
#pragma once

#include <string>
#include <vector>

#include "herald/binary/codec.h"
#include "herald/binary/compression.h"
#include "herald/binary/media.h"
#include "herald/binary/varint.h"

namespace herald::binary::testing {

MessageEntry full_message_entry();
SignalEntry full_signal_entry();
MediaBody full_media_body();

// Every frame type, every field set to a non-default value.
std::vector<Frame> full_frames();
// Every frame type with only what validation requires (the rest default).
std::vector<Frame> minimal_frames();

Bytes to_bytes(const std::string& s);
Bytes encode(const Frame& f, const EncodeOptions& options = {});
std::string hex(const Bytes& b);
Bytes from_hex(const std::string& h);  // ignores spaces and newlines
// A frame assembled by hand: length prefix, type, flags, request id, body as given.
Bytes raw_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t request_id, const Bytes& body);
// The body of an encoded frame (after its header); assumes a valid frame.
Bytes body_of(const Bytes& frame);

}  // namespace herald::binary::testing
