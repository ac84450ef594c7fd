// Download responses, streamed from the BlobReader in bounded chunks (a 2 GiB video never sits in memory).
#include "media_download.h"

#include <ostream>
#include <vector>

#include "ascii_text.h"
#include "byte_range.h"
#include "sha256.h"

namespace herald::media {
namespace {

uint64_t copy(BlobReader& reader, std::ostream& os, const ByteRange& r) {
  std::vector<char> buf(256 * 1024);
  uint64_t sent = 0;
  for (uint64_t off = r.first; off <= r.last && os;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.last - off + 1));
    size_t n = reader.read(off, buf.data(), want);
    if (n == 0) break;
    os.write(buf.data(), static_cast<std::streamsize>(n));
    off += n;
    sent += n;
  }
  return sent;
}

}  // namespace

bool etag_matches(std::string_view header, std::string_view etag) {
  auto strip_weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view tag = trim_ows(header.substr(0, comma));
    if (tag == "*" || (!tag.empty() && strip_weak(tag) == strip_weak(etag))) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

DownloadResult send_media(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out,
                          const MediaInfo& media, BlobReader& reader, std::size_t max_ranges) {
  const std::string etag = "\"" + media.sha256 + "\"";
  const uint64_t size = reader.size();
  const bool head = in.getMethod() == "HEAD";
  out.set("ETag", etag);
  out.set("Accept-Ranges", "bytes");
  // Content-addressed, so it never changes; private because access is per user.
  out.set("Cache-Control", "private, max-age=31536000, immutable");
  out.set("X-Content-Type-Options", "nosniff");

  if (in.has("If-None-Match") && etag_matches(in.get("If-None-Match"), etag)) {
    out.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
    // No body; a Content-Length may only state the 200's length (RFC 7230 3.3.2), and keeps the connection.
    out.setContentLength64(static_cast<Poco::Int64>(size));
    out.send();
    return {304, 0};
  }

  RangeRequest ranges;
  // Range applies to GET only (RFC 7233 3.1). If-Range: only a strong ETag equal to ours keeps the Range
  // (3.2); a date never matches (we send no Last-Modified), so the client gets the whole representation.
  if (!head && in.has("Range") && (!in.has("If-Range") || trim_ows(in.get("If-Range")) == etag))
    ranges = parse_range(in.get("Range"), size, max_ranges);

  if (ranges.kind == RangeRequest::Kind::kUnsatisfiable) {
    out.setStatus(Poco::Net::HTTPResponse::HTTP_REQUESTED_RANGE_NOT_SATISFIABLE);
    out.set("Content-Range", "bytes */" + std::to_string(size));
    out.setContentType("text/plain");
    out.setContentLength(0);
    out.send();
    return {416, 0};
  }

  DownloadResult result;
  if (ranges.kind == RangeRequest::Kind::kWhole) {
    out.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    out.setContentType(media.mime_type);
    out.setContentLength64(static_cast<Poco::Int64>(size));
    std::ostream& os = out.send();
    result.status = 200;
    if (!head) result.body_bytes = copy(reader, os, ByteRange{0, size - 1});
    return result;
  }

  out.setStatus(Poco::Net::HTTPResponse::HTTP_PARTIAL_CONTENT);
  result.status = 206;
  if (ranges.ranges.size() == 1) {
    const ByteRange& r = ranges.ranges.front();
    out.setContentType(media.mime_type);
    out.set("Content-Range", content_range(r, size));
    out.setContentLength64(static_cast<Poco::Int64>(r.length()));
    std::ostream& os = out.send();
    if (!head) result.body_bytes = copy(reader, os, r);
    return result;
  }

  // multipart/byteranges (RFC 7233 appendix A); the length is known up front, so no chunking.
  const std::string boundary = "herald-" + random_hex(12);
  std::vector<std::string> heads;
  uint64_t length = 0;
  for (const auto& r : ranges.ranges) {
    heads.push_back("\r\n--" + boundary + "\r\nContent-Type: " + media.mime_type + "\r\nContent-Range: " +
                    content_range(r, size) + "\r\n\r\n");
    length += heads.back().size() + r.length();
  }
  const std::string tail = "\r\n--" + boundary + "--\r\n";
  length += tail.size();
  out.setContentType("multipart/byteranges; boundary=" + boundary);
  out.setContentLength64(static_cast<Poco::Int64>(length));
  std::ostream& os = out.send();
  if (head) return result;
  for (size_t i = 0; i < ranges.ranges.size(); ++i) {
    os << heads[i];
    result.body_bytes += copy(reader, os, ranges.ranges[i]);
  }
  os << tail;
  return result;
}

}  // namespace herald::media
