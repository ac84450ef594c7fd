// libFuzzer target: the WebSocket decoder in both roles, fed in two pieces, with a small size limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "herald/websocket/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald::websocket;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (Role role : {Role::kServer, Role::kClient}) {
    Decoder d({role, 4096});
    size_t cut = size ? data[0] % (size + 1) : 0;
    for (std::string_view part : {in.substr(0, cut), in.substr(cut)}) {
      d.feed(part);
      for (int i = 0; i < 10000; ++i) {
        Event e = d.next();
        if (e.kind == Event::Kind::kNeedMore || e.kind == Event::Kind::kError) break;
        if (e.kind == Event::Kind::kMessage && e.opcode == Opcode::kText && !valid_utf8(e.payload)) __builtin_trap();
      }
    }
  }
  return 0;
}
