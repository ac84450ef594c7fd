// The media plugin's failure: a reason code (herald/reason_codes.h) the HTTP API and the pipeline stages
// answer with, and a text for the client and the log. Thrown inside the plugin, never across the ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "herald/reason_codes.h"

namespace herald::media {

class MediaError : public std::runtime_error {
 public:
  MediaError(herald_reason reason, const std::string& text) : std::runtime_error(text), reason_(reason) {}
  herald_reason reason() const { return reason_; }

 private:
  herald_reason reason_;
};

}  // namespace herald::media
