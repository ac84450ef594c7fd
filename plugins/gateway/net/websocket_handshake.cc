// WebSocket opening handshake (RFC 6455 4.2). A client that offers none of the listener's
// subprotocols is refused: the binary protocol (docs/protocol.md 13.2) and MQTT both require one.
#include "net/websocket_handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace herald::gateway {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string refuse(int status, std::vector<http::Header> extra = {}) {
  extra.push_back({"Connection", "close"});
  extra.push_back({"Cache-Control", "no-store"});
  return http::format_response_head(status, extra, 0);
}

}  // namespace

std::string websocket_accept(std::string_view key) {
  std::string input(key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

bool is_websocket_upgrade(const http::RequestHead& request) {
  return request.header_has_token("upgrade", "websocket");
}

UpgradeResult evaluate_upgrade(const http::RequestHead& request, std::string_view path,
                               const std::vector<std::string>& subprotocols) {
  UpgradeResult r;
  auto fail = [&](int status, std::string why, std::vector<http::Header> extra = {}) {
    r.accepted = false;
    r.status = status;
    r.why = std::move(why);
    r.response = refuse(status, std::move(extra));
    return r;
  };
  if (request.path != path) return fail(404, "unknown path");
  if (request.method != "GET") return fail(405, "upgrade must be GET", {{"Allow", "GET"}});
  if (request.version_minor < 1) return fail(400, "upgrade needs HTTP/1.1");
  if (!request.header_has_token("upgrade", "websocket") || !request.header_has_token("connection", "upgrade"))
    return fail(426, "missing Upgrade/Connection tokens", {{"Upgrade", "websocket"}});
  auto version = request.header("sec-websocket-version");
  if (!version || *version != "13") return fail(426, "unsupported version", {{"Sec-WebSocket-Version", "13"}});
  auto key = request.header("sec-websocket-key");
  unsigned char decoded[32];
  // A valid key is base64 of 16 bytes: 24 characters ending in "==".
  if (!key || key->size() != 24 || (*key)[22] != '=' || (*key)[23] != '=' ||
      EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key->data()), 24) != 18)
    return fail(400, "bad Sec-WebSocket-Key");
  // Offered subprotocols may be spread over several headers, comma-separated.
  for (const auto& h : request.headers) {
    if (!http::iequals(h.name, "sec-websocket-protocol")) continue;
    std::string_view v = h.value;
    while (!v.empty() && r.subprotocol.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      for (const auto& s : subprotocols)
        if (item == s) r.subprotocol = s;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
    if (!r.subprotocol.empty()) break;
  }
  if (r.subprotocol.empty()) return fail(400, "no acceptable Sec-WebSocket-Protocol");
  r.accepted = true;
  r.status = 101;
  r.response = http::format_response_head(101,
                                          {{"Upgrade", "websocket"},
                                           {"Connection", "Upgrade"},
                                           {"Sec-WebSocket-Accept", websocket_accept(*key)},
                                           {"Sec-WebSocket-Protocol", r.subprotocol}},
                                          -1);
  return r;
}

}  // namespace herald::gateway
