// The HTTP/1.1 head parser: bounded (size and header count), stateless, strict about the grammar so
// a request cannot be read two ways (no obs-fold, no CL+TE, no conflicting Content-Length).
#include "herald/http/head.h"

#include <algorithm>
#include <charconv>

namespace herald::http {
namespace {

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

bool is_field_char(unsigned char c) { return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits the head into lines (without their line ends). Returns kComplete with `consumed` set when the
// blank line was found.
ParseResult split_lines(std::string_view buf, const Limits& limits, std::vector<std::string_view>& lines) {
  size_t pos = 0;
  // Robustness (RFC 9112 2.2): ignore empty lines before the start line.
  while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n')) {
    if (buf[pos] == '\r' && pos + 1 < buf.size() && buf[pos + 1] != '\n') return {ParseStatus::kError, 0, ParseError::kMalformed};
    ++pos;
    if (pos > limits.max_head_bytes) return {ParseStatus::kError, 0, ParseError::kHeadTooLarge};
  }
  for (;;) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buf.size() > limits.max_head_bytes) return {ParseStatus::kError, 0, ParseError::kHeadTooLarge};
      return {ParseStatus::kIncomplete, 0, ParseError::kNone};
    }
    if (nl + 1 > limits.max_head_bytes) return {ParseStatus::kError, 0, ParseError::kHeadTooLarge};
    std::string_view line = buf.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return {ParseStatus::kError, 0, ParseError::kMalformed};
    pos = nl + 1;
    if (line.empty()) {
      if (lines.empty()) return {ParseStatus::kError, 0, ParseError::kMalformed};
      return {ParseStatus::kComplete, pos, ParseError::kNone};
    }
    if (lines.size() > limits.max_headers) return {ParseStatus::kError, 0, ParseError::kTooManyHeaders};
    lines.push_back(line);
  }
}

ParseError parse_version(std::string_view v, int& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return ParseError::kMalformed;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return ParseError::kMalformed;
  if (v[5] != '1') return ParseError::kUnsupportedVersion;
  minor = v[7] - '0';
  return ParseError::kNone;
}

ParseError parse_headers(const std::vector<std::string_view>& lines, std::vector<Header>& out) {
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') return ParseError::kMalformed;  // obs-fold
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseError::kMalformed;
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return ParseError::kMalformed;  // also catches "Name :"
    std::string_view value = line.substr(colon + 1);
    if (!std::all_of(value.begin(), value.end(), [](char c) { return is_field_char(static_cast<unsigned char>(c)); }))
      return ParseError::kMalformed;
    out.push_back(Header{std::string(name), std::string(trim(value))});
  }
  return ParseError::kNone;
}

std::optional<std::string_view> find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

bool has_token(const std::vector<Header>& headers, std::string_view name, std::string_view token) {
  for (const auto& h : headers) {
    if (!iequals(h.name, name)) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = trim(v.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

// Content-Length / Transfer-Encoding rules shared by requests and responses.
ParseError body_framing(const std::vector<Header>& headers, uint64_t& length, bool& has_length, bool& chunked) {
  std::optional<uint64_t> cl;
  bool te = false;
  for (const auto& h : headers) {
    if (iequals(h.name, "content-length")) {
      const std::string& v = h.value;
      uint64_t n = 0;
      if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return ParseError::kBadContentLength;
      std::from_chars(v.data(), v.data() + v.size(), n);
      if (cl && *cl != n) return ParseError::kBadContentLength;
      cl = n;
    } else if (iequals(h.name, "transfer-encoding")) {
      te = true;
    }
  }
  if (te) {
    if (cl) return ParseError::kBadContentLength;  // RFC 9112 6.1: a smuggling vector; refuse
    // Only "chunked" as the final coding is framed; anything else has no determinable length.
    std::string_view last;
    for (const auto& h : headers) {
      if (!iequals(h.name, "transfer-encoding")) continue;
      std::string_view v = h.value;
      size_t comma = v.rfind(',');
      last = trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
    }
    if (!iequals(last, "chunked")) return ParseError::kMalformed;
    chunked = true;
  }
  has_length = cl.has_value();
  length = cl.value_or(0);
  return ParseError::kNone;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::kNone: return "none";
    case ParseError::kHeadTooLarge: return "head too large";
    case ParseError::kTooManyHeaders: return "too many headers";
    case ParseError::kMalformed: return "malformed head";
    case ParseError::kUnsupportedVersion: return "unsupported HTTP version";
    case ParseError::kBadContentLength: return "bad Content-Length";
  }
  return "unknown";
}

std::optional<std::string_view> RequestHead::header(std::string_view name) const { return find_header(headers, name); }
bool RequestHead::header_has_token(std::string_view name, std::string_view token) const {
  return has_token(headers, name, token);
}
std::optional<std::string_view> ResponseHead::header(std::string_view name) const { return find_header(headers, name); }
bool ResponseHead::header_has_token(std::string_view name, std::string_view token) const {
  return has_token(headers, name, token);
}

ParseResult parse_request_head(std::string_view buffer, const Limits& limits, RequestHead& out) {
  std::vector<std::string_view> lines;
  ParseResult r = split_lines(buffer, limits, lines);
  if (r.status != ParseStatus::kComplete) return r;
  auto fail = [](ParseError e) { return ParseResult{ParseStatus::kError, 0, e}; };

  // request-line = method SP request-target SP HTTP-version (single spaces, RFC 9112 3).
  std::string_view line = lines[0];
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(ParseError::kMalformed);
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(ParseError::kMalformed);
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method) || target.empty()) return fail(ParseError::kMalformed);
  if (!std::all_of(target.begin(), target.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x21 && u <= 0x7e;
      }))
    return fail(ParseError::kMalformed);
  RequestHead head;
  if (auto e = parse_version(line.substr(sp2 + 1), head.version_minor); e != ParseError::kNone) return fail(e);
  if (auto e = parse_headers(lines, head.headers); e != ParseError::kNone) return fail(e);
  bool has_length = false;
  if (auto e = body_framing(head.headers, head.content_length, has_length, head.chunked); e != ParseError::kNone)
    return fail(e);
  head.method = std::string(method);
  head.target = std::string(target);
  size_t q = target.find('?');
  head.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) head.query = std::string(target.substr(q + 1));
  head.keep_alive = head.version_minor >= 1 ? !head.header_has_token("connection", "close")
                                            : head.header_has_token("connection", "keep-alive");
  out = std::move(head);
  return r;
}

ParseResult parse_response_head(std::string_view buffer, const Limits& limits, ResponseHead& out) {
  std::vector<std::string_view> lines;
  ParseResult r = split_lines(buffer, limits, lines);
  if (r.status != ParseStatus::kComplete) return r;
  auto fail = [](ParseError e) { return ParseResult{ParseStatus::kError, 0, e}; };

  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  std::string_view line = lines[0];
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) return fail(ParseError::kMalformed);
  ResponseHead head;
  if (auto e = parse_version(line.substr(0, 8), head.version_minor); e != ParseError::kNone) return fail(e);
  std::string_view code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) || code[0] == '0')
    return fail(ParseError::kMalformed);
  head.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view();
  if (!std::all_of(reason.begin(), reason.end(), [](char c) { return is_field_char(static_cast<unsigned char>(c)); }))
    return fail(ParseError::kMalformed);
  head.reason = std::string(reason);
  if (auto e = parse_headers(lines, head.headers); e != ParseError::kNone) return fail(e);
  if (auto e = body_framing(head.headers, head.content_length, head.has_content_length, head.chunked);
      e != ParseError::kNone)
    return fail(e);
  out = std::move(head);
  return r;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string format_response_head(int status, const std::vector<Header>& headers, int64_t content_length) {
  std::string out;
  out.reserve(128 + headers.size() * 32);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  for (const auto& h : headers) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  if (content_length >= 0) {
    out += "Content-Length: ";
    out += std::to_string(content_length);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace herald::http
