// Parsing bind addresses and binding them; IPv6 literals in brackets, names through getaddrinfo.
#include "net/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herald::gateway {

std::string format_address(const sockaddr_storage& addr, std::string* ip) {
  char host[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  std::string out;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
    out = std::string(host) + ":" + std::to_string(port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    out = "[" + std::string(host) + "]:" + std::to_string(port);
  } else {
    out = "unknown";
  }
  if (ip) *ip = host;
  return out;
}

std::optional<std::string> open_listen_socket(const std::string& spec, int backlog, int& fd, std::string& bound) {
  std::string host, port;
  if (!spec.empty() && spec[0] == '[') {
    auto close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
      return "bad address \"" + spec + "\" (expected [ipv6]:port)";
    host = spec.substr(1, close - 1);
    port = spec.substr(close + 2);
  } else {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos) return "bad address \"" + spec + "\" (expected host:port)";
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
  }
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) > 65535)
    return "bad port in \"" + spec + "\"";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return "cannot resolve \"" + spec + "\": " + gai_strerror(rc);
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) {
      last_error = strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s, backlog) != 0) {
      last_error = strerror(errno);
      ::close(s);
      continue;
    }
    sockaddr_storage actual{};
    socklen_t len = sizeof(actual);
    getsockname(s, reinterpret_cast<sockaddr*>(&actual), &len);
    bound = format_address(actual);
    fd = s;
    freeaddrinfo(res);
    return std::nullopt;
  }
  freeaddrinfo(res);
  return "cannot listen on \"" + spec + "\": " + last_error;
}

}  // namespace herald::gateway
