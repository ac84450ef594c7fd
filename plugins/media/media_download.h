// Writes a download response: 200, 206 (one range, or multipart/byteranges), 304 or 416, per RFC 7232
// (If-None-Match, If-Range with a strong ETag) and RFC 7233. The ETag is the content's SHA-256.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "blob_store.h"
#include "media_library.h"

namespace herald::media {

struct DownloadResult {
  int status = 200;
  uint64_t body_bytes = 0;
};

// True when an If-None-Match value (a list of entity tags, or "*") matches `etag` (weak comparison).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

DownloadResult send_media(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out,
                          const MediaInfo& media, BlobReader& reader, std::size_t max_ranges);

}  // namespace herald::media
