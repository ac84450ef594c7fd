// Internal: semantic checks run on every decoded frame (and offered to senders via validate_frame).
#pragma once

#include "herald/binary/codec.h"

namespace herald::binary::wire {

// Required fields, per-type rules (text bodies are UTF-8, media bodies parse, ...). With
// `check_formats` also id formats and UTF-8 of strings, which the decoder already checked while reading.
DecodeError validate_body(const FrameBody& body, bool check_formats);

}  // namespace herald::binary::wire
