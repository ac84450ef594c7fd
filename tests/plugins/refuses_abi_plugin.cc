// A plugin from the future: it speaks only ABI 99, so it refuses every version this host offers.
#include <herald/plugin_abi.h>

extern "C" HERALD_PLUGIN_EXPORT const void* herald_plugin_negotiate(const uint32_t* versions, uint32_t count,
                                                                    uint32_t* chosen) {
  for (uint32_t i = 0; i < count; ++i) {
    if (versions[i] == 99) {
      *chosen = 99;
      return versions;  // never reached with this host
    }
  }
  return nullptr;
}
