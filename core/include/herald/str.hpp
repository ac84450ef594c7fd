// Conversions between C++ strings and the ABI's borrowed herald_str, for the host and plugins alike.
#pragma once

#include <string_view>

#include "herald/plugin_abi.h"

namespace herald::sdk {

inline herald_str to_str(std::string_view s) { return herald_str{s.data(), s.size()}; }
inline std::string_view view(herald_str s) { return s.data ? std::string_view(s.data, s.size) : std::string_view(); }

}  // namespace herald::sdk
