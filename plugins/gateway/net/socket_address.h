// Address strings ("0.0.0.0:1883", "[::1]:0", "localhost:7100") to listening sockets, and peer
// addresses back to "ip:port" text.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

namespace herald::gateway {

// Opens a non-blocking, close-on-exec listening socket with SO_REUSEADDR on `spec`. On success sets
// `fd` and `bound` (the real address, so port 0 reports the port picked) and returns nullopt; on
// failure returns the reason.
std::optional<std::string> open_listen_socket(const std::string& spec, int backlog, int& fd, std::string& bound);

// "1.2.3.4:5678" / "[::1]:5678"; `ip` receives the bare address.
std::string format_address(const sockaddr_storage& addr, std::string* ip = nullptr);

}  // namespace herald::gateway
