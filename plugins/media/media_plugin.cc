// media: images, voice, video and files outside the message channel (seed 002 lessons 13-15). Wires the
// library, the HTTP API, the access policy and the stages together; no media logic lives here.
#include "media_plugin.h"

#include <filesystem>

#include "herald/auth_service.h"
#include "herald/im_service.h"
#include "local_blob_store.h"
#include "media_stages.h"

namespace herald::media {
namespace {

MediaConfig parse_or_throw(const sdk::Config& config) {
  std::vector<std::string> errors;
  MediaConfig c = parse_media_config(config.node(), errors);
  if (!errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e;
    throw sdk::PluginError(text, HERALD_REASON_INVALID_REQUEST);
  }
  return c;
}

std::filesystem::path under(std::string_view data_dir, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || data_dir.empty()) return path;
  return std::filesystem::path(data_dir) / path;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class T>
const T* lookup(const sdk::Host& host, const char* name) {
  const herald_host_v1* api = host.api();
  if (!HERALD_STRUCT_HAS(api, herald_host_v1, service_lookup) || api->service_lookup == nullptr) return nullptr;
  auto* table = static_cast<const T*>(api->service_lookup(host.ctx(), sdk::to_str(name)));
  if (table != nullptr && table->struct_size < sizeof(T)) return nullptr;  // older than we need
  return table;
}

}  // namespace

MediaPlugin::MediaPlugin(sdk::Host host, const sdk::Config& config)
    : Plugin(host), config_(parse_or_throw(config)), metrics_(MediaMetrics::create(host)),
      tokens_(config_.dependency_timeout) {
  auto dir = under(host.data_dir(), config_.storage_dir);
  auto db = under(host.data_dir(), config_.database);
  std::filesystem::create_directories(db.parent_path().empty() ? "." : db.parent_path());
  library_ = std::make_unique<MediaLibrary>(config_.limits, std::make_unique<LocalBlobStore>(dir), db.string());
  access_ = std::make_unique<AccessPolicy>(*library_, config_.dependency_timeout);
  if (std::size_t n = library_->recover(); n > 0)
    host.info("media: removed " + std::to_string(n) + " leftovers of interrupted writes");
  metrics_.active_uploads.set(static_cast<double>(library_->active_uploads()));
}

MediaPlugin::~MediaPlugin() { stop(); }

void MediaPlugin::validate(const sdk::Config& config, sdk::Errors& errors) {
  std::vector<std::string> found;
  parse_media_config(config.node(), found);
  for (const auto& e : found) {
    auto colon = e.find(": ");
    errors.add(e.substr(0, colon), colon == std::string::npos ? e : e.substr(colon + 2));
  }
}

void MediaPlugin::start() {
  auto* auth = lookup<herald_auth_service_v1>(host(), HERALD_AUTH_SERVICE_V1);
  if (auth == nullptr)
    host().warn("media: no token verifier (herald.auth.v1, offered by the gateway): every request is refused");
  tokens_.bind(auth);
  auto* im = lookup<herald_im_service_v1>(host(), HERALD_IM_SERVICE_V1);
  if (im == nullptr) host().warn("media: no messaging core (herald.im.v1): only uploaders may download");
  access_->bind(im);

  worker_.start(config_.sweep_interval, [this] { sweep(); });
  http_ = std::make_unique<MediaHttpServer>(config_.http,
                                            MediaContext{host(), *library_, *access_, tokens_, metrics_});
  try {
    std::string address = http_->start();
    host().listener_opened(config_.http.tls() ? "media[https]" : "media[http]", address);
  } catch (const MediaError& e) {
    http_.reset();
    worker_.stop();
    throw sdk::PluginError(e.what(), e.reason());
  }
  register_admin_route();
  started_ = true;
}

void MediaPlugin::stop() {
  if (!started_) return;
  started_ = false;
  if (http_) http_->stop();  // waits for running requests
  http_.reset();
  worker_.stop();            // runs queued access checks, then joins
}

void MediaPlugin::sweep() {
  try {
    std::size_t n = library_->expire(now_ms());
    if (n > 0) {
      metrics_.uploads_expired.add(static_cast<double>(n));
      host().info("media: removed " + std::to_string(n) + " expired unfinished uploads");
    }
    metrics_.active_uploads.set(static_cast<double>(library_->active_uploads()));
  } catch (const std::exception& e) {
    host().error(std::string("media: expiry sweep failed: ") + e.what());
  }
}

// GET /v1/media/{media} on the admin API: what the operator needs to answer "who can see this file".
void MediaPlugin::register_admin_route() {
  try {
    host().http_route("GET", "/v1/media/{media}", "media metadata: size, type, sha256, references, grants",
                      [this](const sdk::HttpRequest& req) {
                        std::string id = req.param("media").value_or("");
                        auto m = library_->media(id);
                        if (!m) return sdk::HttpResponse::error(HERALD_REASON_NOT_FOUND, "no media " + id);
                        std::string grants;
                        for (const auto& g : library_->grants(m->media_id, 100))
                          grants += (grants.empty() ? "" : ",") + std::string("{\"conv\":") + sdk::json_quote(g.conv) +
                                    ",\"msg_id\":" + std::to_string(g.msg_id) + ",\"seq\":" + std::to_string(g.seq) + "}";
                        return sdk::HttpResponse::json(
                            200, "{\"media_id\":" + sdk::json_quote(m->media_id) + ",\"size\":" + std::to_string(m->size) +
                                     ",\"mime_type\":" + sdk::json_quote(m->mime_type) + ",\"sha256\":" +
                                     sdk::json_quote(m->sha256) + ",\"refs\":" + std::to_string(m->refs) +
                                     ",\"grants\":[" + grants + "]}");
                      });
  } catch (const sdk::PluginError& e) {
    host().info(std::string("media: no admin route: ") + e.what());
  }
}

sdk::PluginSpec<MediaPlugin> spec() {
  return sdk::PluginSpec<MediaPlugin>("media", "1.0.0",
                                      "chunked, resumable, deduplicated media upload; ranged download; media messages")
      .keys(media_config_keys())
      .stage<CheckStage>("media.check", "before im.store: a media message names complete media the sender may share")
      .stage<GrantStage>("media.grant", "after im.store: the conversation's members may download the media")
      .listener("media", "HTTP API for uploads and downloads (Range, ETag)")
      .route("GET /v1/media/{media}", "admin: media metadata and grants");
}

}  // namespace herald::media

HERALD_PLUGIN(herald::media::MediaPlugin, herald::media::spec)
