// The server side of the RFC 6455 opening handshake: checks an upgrade request against a listener's
// path and subprotocols and builds the 101 (or refusal) response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "herald/http/head.h"

namespace herald::gateway {

struct UpgradeResult {
  bool accepted = false;
  int status = 101;
  std::string response;     // the complete response head to send
  std::string subprotocol;  // the selected one
  std::string why;          // for the debug log on refusal
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)), via OpenSSL.
std::string websocket_accept(std::string_view key);

// True for requests that ask to upgrade to WebSocket (Upgrade: websocket).
bool is_websocket_upgrade(const http::RequestHead& request);

// Accepts when: GET, HTTP/1.1, path matches, Upgrade/Connection tokens, version 13, a 16-byte key,
// and the client offers one of `subprotocols` (the first the client lists that we accept wins).
UpgradeResult evaluate_upgrade(const http::RequestHead& request, std::string_view path,
                               const std::vector<std::string>& subprotocols);

}  // namespace herald::gateway
