// Names of the CONNECT platform values, for the session registry, presence events and logs.
#include "herald/gateway/binary/session_info.h"

namespace herald::gateway::binary {

const char* platform_name(herald::binary::Platform platform) {
  switch (platform) {
    case herald::binary::Platform::kIos: return "ios";
    case herald::binary::Platform::kAndroid: return "android";
    case herald::binary::Platform::kWeb: return "web";
    case herald::binary::Platform::kDesktop: return "desktop";
    case herald::binary::Platform::kOther: return "other";
    case herald::binary::Platform::kUnspecified: return "";
  }
  return "other";  // a value from a newer client
}

}  // namespace herald::gateway::binary
