// The send time every benchmark message carries, as text ("t<ns> xxx...", padded to the payload
// size) so the same body works in Herald IM JSON, binary SEND frames and through the relay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::bench {

std::string stamped_text(std::uint64_t now_ns, std::size_t size);
std::uint64_t read_stamp(std::string_view text);  // 0 when there is none

}  // namespace herald::bench
