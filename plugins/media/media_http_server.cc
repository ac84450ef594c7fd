// MediaHttpServer: Poco does HTTP parsing, keep-alive and the worker pool; this file authenticates,
// routes, bounds bodies and turns MediaError into {"error": ...} answers with the reason's status.
#include "media_http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <charconv>
#include <chrono>
#include <istream>
#include <utility>
#include <nlohmann/json.hpp>
#include <vector>

#include "ascii_text.h"
#include "media_download.h"

namespace herald::media {
namespace {

using json = nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::optional<uint32_t> parse_index(const std::string& s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

json upload_json(const UploadInfo& u) {
  return json{{"upload_id", u.upload_id}, {"size", u.size},           {"mime_type", u.mime_type},
              {"sha256", u.sha256},       {"part_size", u.part_size}, {"part_count", u.part_count},
              {"parts", u.parts},         {"expires_at_ms", u.expires_ms}};
}

json media_json(const MediaInfo& m) {
  return json{{"media_id", m.media_id}, {"size", m.size}, {"mime_type", m.mime_type}, {"sha256", m.sha256}};
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(MediaContext& ctx, const HttpConfig& config) : ctx_(ctx), config_(config) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    try {
      serve(in, out);
    } catch (const MediaError& e) {
      fail(in, out, e.reason(), e.what());
    } catch (const std::exception& e) {
      ctx_.host.error(std::string("media: ") + in.getMethod() + " " + path_of(in) + ": " + e.what());
      fail(in, out, HERALD_REASON_UNSPECIFIED_ERROR, "internal error");
    }
  }

 private:
  static std::string path_of(Poco::Net::HTTPServerRequest& in) {
    try {
      return Poco::URI(in.getURI()).getPath();
    } catch (const Poco::Exception&) {
      return "(bad URI)";
    }
  }

  void fail(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, herald_reason reason,
            const std::string& text) {
    ctx_.metrics.error(reason);
    if (reason != HERALD_REASON_NOT_FOUND)
      ctx_.host.info(std::string("media: ") + in.getMethod() + " " + path_of(in) + " from " +
                     in.clientAddress().host().toString() + " refused: " +
                     std::string(sdk::reason_name(static_cast<uint16_t>(reason))) + ": " + text);
    if (out.sent()) return;
    auto r = sdk::HttpResponse::error(reason, text);
    if (r.status == 401) out.set("WWW-Authenticate", "Bearer realm=\"herald-media\"");
    // The request body may be unread (a refused part): do not let it be parsed as the next request.
    out.setKeepAlive(false);
    reply(out, r.status, r.body);
  }

  static void reply(Poco::Net::HTTPServerResponse& out, int status, const std::string& body) {
    out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    out.setContentType("application/json");
    out.set("Cache-Control", "no-store");
    out.setContentLength(static_cast<std::streamsize>(body.size()));
    out.send() << body;
  }

  Identity authenticate(Poco::Net::HTTPServerRequest& in) {
    std::string auth = in.get("Authorization", "");
    bool bearer = auth.size() > 7 && iequals_ascii(std::string_view(auth).substr(0, 7), "bearer ");  // RFC 6750
    if (!bearer) throw MediaError(HERALD_REASON_BAD_CREDENTIALS, "missing bearer token");
    return ctx_.tokens.verify(auth.substr(7), in.clientAddress().host().toString());
  }

  std::string read_body(Poco::Net::HTTPServerRequest& in, uint64_t limit) {
    if (in.hasContentLength() && static_cast<uint64_t>(in.getContentLength64()) > limit)
      throw MediaError(HERALD_REASON_PAYLOAD_TOO_LARGE, "body over " + std::to_string(limit) + " bytes");
    std::string body;
    if (in.hasContentLength()) body.reserve(static_cast<size_t>(in.getContentLength64()));
    std::istream& is = in.stream();
    char buf[64 * 1024];
    while (is.read(buf, sizeof buf) || is.gcount() > 0) {
      body.append(buf, static_cast<size_t>(is.gcount()));
      if (body.size() > limit) throw MediaError(HERALD_REASON_PAYLOAD_TOO_LARGE, "body over " + std::to_string(limit) + " bytes");
    }
    return body;
  }

  json read_json(Poco::Net::HTTPServerRequest& in) {
    std::string body = read_body(in, config_.max_json_body);
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw MediaError(HERALD_REASON_MALFORMED, "body must be a JSON object");
    return j;
  }

  void serve(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) {
    std::string path;
    try {
      path = Poco::URI(in.getURI()).getPath();
    } catch (const Poco::Exception& e) {
      throw MediaError(HERALD_REASON_MALFORMED, "bad request URI");
    }
    const std::string& method = in.getMethod();
    auto seg = segments(path);
    if (seg.size() < 2 || seg[0] != "v1" || (seg[1] != "uploads" && seg[1] != "media"))
      throw MediaError(HERALD_REASON_NOT_FOUND, "no route " + path);
    Identity who = authenticate(in);

    if (seg[1] == "media") {
      if (seg.size() != 3) throw MediaError(HERALD_REASON_NOT_FOUND, "no route " + path);
      if (method != "GET" && method != "HEAD") return not_allowed(out, "GET, HEAD");
      return download(in, out, who, seg[2]);
    }
    if (seg.size() == 2) {
      if (method != "POST") return not_allowed(out, "POST");
      return init(in, out, who);
    }
    const std::string& upload_id = seg[2];
    if (seg.size() == 3) {
      if (method == "GET") return reply(out, 200, upload_json(ctx_.library.upload(who.user, upload_id)).dump());
      if (method == "DELETE") {
        ctx_.library.abort(who.user, upload_id);
        ctx_.metrics.active_uploads.set(static_cast<double>(ctx_.library.active_uploads()));
        return reply(out, 200, "{}");
      }
      return not_allowed(out, "GET, DELETE");
    }
    if (seg.size() == 4 && seg[3] == "complete") {
      if (method != "POST") return not_allowed(out, "POST");
      return complete(out, who, upload_id);
    }
    if (seg.size() == 5 && seg[3] == "parts") {
      if (method != "PUT") return not_allowed(out, "PUT");
      auto index = parse_index(seg[4]);
      if (!index) throw MediaError(HERALD_REASON_INVALID_REQUEST, "part index must be a non-negative integer");
      return put_part(in, out, who, upload_id, *index);
    }
    throw MediaError(HERALD_REASON_NOT_FOUND, "no route " + path);
  }

  void not_allowed(Poco::Net::HTTPServerResponse& out, const std::string& allow) {
    out.set("Allow", allow);
    out.setKeepAlive(false);
    ctx_.metrics.error(HERALD_REASON_INVALID_REQUEST);
    reply(out, 405, sdk::HttpResponse::error(HERALD_REASON_INVALID_REQUEST, "method not allowed").body);
  }

  void init(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, const Identity& who) {
    json j = read_json(in);
    InitRequest req;
    req.user = who.user;
    try {
      req.size = j.at("size").get<uint64_t>();
      req.mime_type = j.at("mime_type").get<std::string>();
      req.sha256 = j.at("sha256").get<std::string>();
      if (j.contains("part_size")) req.part_size = j.at("part_size").get<uint64_t>();
      if (j.contains("proof")) req.proof = j.at("proof").get<std::string>();
    } catch (const json::exception&) {
      throw MediaError(HERALD_REASON_INVALID_REQUEST, "need size (integer), mime_type, sha256 (hex) and optional part_size");
    }
    InitResult r = ctx_.library.init_upload(req, now_ms());
    if (r.instant) {
      ctx_.metrics.dedup_hits.add();
      json body = media_json(*r.instant);
      body["instant"] = true;
      return reply(out, 200, body.dump());
    }
    ctx_.metrics.uploads_started.add();
    ctx_.metrics.active_uploads.set(static_cast<double>(ctx_.library.active_uploads()));
    json body = upload_json(r.upload);
    body["instant"] = false;
    reply(out, 201, body.dump());
  }

  void put_part(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, const Identity& who,
                const std::string& upload_id, uint32_t index) {
    std::string checksum = in.get("X-Part-SHA256", "");
    std::string data = read_body(in, ctx_.library.limits().max_part_size);
    UploadInfo u = ctx_.library.put_part(who.user, upload_id, index, data, checksum, now_ms());
    ctx_.metrics.parts.add();
    ctx_.metrics.bytes_in.add(static_cast<double>(data.size()));
    reply(out, 200, json{{"index", index}, {"received", u.parts.size()}, {"part_count", u.part_count}}.dump());
  }

  void complete(Poco::Net::HTTPServerResponse& out, const Identity& who, const std::string& upload_id) {
    Completed c = ctx_.library.complete(who.user, upload_id);
    ctx_.metrics.active_uploads.set(static_cast<double>(ctx_.library.active_uploads()));
    ctx_.metrics.uploads_completed.add();
    if (c.deduplicated) ctx_.metrics.dedup_hits.add();
    reply(out, 200, media_json(c.media).dump());
  }

  void download(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, const Identity& who,
                const std::string& media_id) {
    auto media = ctx_.library.media(media_id);
    if (!media) throw MediaError(HERALD_REASON_NOT_FOUND, "no media " + media_id);
    if (ctx_.access.check(who.user, *media) != AccessPolicy::Answer::kAllowed)
      throw MediaError(HERALD_REASON_NOT_AUTHORIZED,
                       "not an uploader of " + media_id + " nor a member of a conversation it was sent in");
    auto reader = ctx_.library.open(*media);
    if (!reader) throw MediaError(HERALD_REASON_STORAGE_UNAVAILABLE, "media content is missing from storage");
    DownloadResult r = send_media(in, out, *media, *reader, config_.max_ranges);
    if (r.status == 200 || r.status == 206) ctx_.metrics.downloads.add();
    ctx_.metrics.bytes_out.add(static_cast<double>(r.body_bytes));
  }

  MediaContext& ctx_;
  const HttpConfig& config_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(std::shared_ptr<MediaContext> ctx, const HttpConfig& config) : ctx_(std::move(ctx)), config_(config) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(*ctx_, config_);
  }

 private:
  std::shared_ptr<MediaContext> ctx_;
  const HttpConfig& config_;
};

}  // namespace

MediaHttpServer::MediaHttpServer(HttpConfig config, MediaContext context)
    : config_(std::move(config)), context_(std::make_shared<MediaContext>(context)) {}

MediaHttpServer::~MediaHttpServer() { stop(); }


std::string MediaHttpServer::start() {
  auto colon = config_.listen.rfind(':');
  std::string host = config_.listen.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoul(config_.listen.substr(colon + 1)));
  try {
    Poco::Net::ServerSocket socket;
    if (config_.tls()) {
      Poco::Net::initializeSSL();
      ssl_initialized_ = true;
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, config_.tls_key, config_.tls_cert, "", Poco::Net::Context::VERIFY_NONE);
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
      socket = Poco::Net::SecureServerSocket(context);
    }
    socket.bind(Poco::Net::SocketAddress(host, port), true);
    socket.listen(128);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(config_.threads));
    params->setMaxQueued(256);
    params->setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(config_.timeout).count()));
    params->setKeepAlive(true);
    // Its own pool: Poco's default pool is shared with the admin API and capped at 16 threads.
    pool_ = std::make_unique<Poco::ThreadPool>(2, static_cast<int>(config_.threads));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(context_, config_), *pool_, socket, params);
    server_->start();
    return socket.address().toString();
  } catch (const Poco::Exception& e) {
    server_.reset();
    if (std::exchange(ssl_initialized_, false)) Poco::Net::uninitializeSSL();
    throw MediaError(HERALD_REASON_SERVER_UNAVAILABLE, "media listener " + config_.listen + ": " + e.displayText());
  }
}

void MediaHttpServer::stop() {
  if (!server_) return;
  server_->stopAll(true);
  server_.reset();
  pool_->joinAll();
  pool_.reset();
  if (std::exchange(ssl_initialized_, false)) Poco::Net::uninitializeSSL();
}

}  // namespace herald::media
