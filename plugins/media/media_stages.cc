// media.check and media.grant. The check's SQLite reads are indexed lookups on the loop thread; a sender
// who is not an uploader (a forward) needs the messaging core, so that case defers to the worker thread.
#include "media_stages.h"

#include <herald/binary/media.h>

#include <charconv>

#include "ascii_text.h"
#include "media_plugin.h"
#include "sha256.h"

namespace herald::media {
namespace {

bool is_media_send(const sdk::Envelope& env) {
  if (env.get(":im") != std::optional<std::string_view>("send")) return false;
  auto type = env.get(":type");
  return type && (*type == "image" || *type == "audio" || *type == "video" || *type == "file");
}

std::optional<uint64_t> u64(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) return std::nullopt;
  return v;
}

std::optional<binary::MediaBody> decode(std::string_view payload) {
  binary::MediaBody body;
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  if (binary::decode_media_body(bytes, body) != binary::DecodeError::kNone) return std::nullopt;
  return body;
}

}  // namespace

sdk::Verdict CheckStage::process(sdk::StageCall& call) {
  sdk::Envelope env = call.envelope();
  if (!is_media_send(env)) return sdk::Verdict::kContinue;
  const std::string type(*env.get(":type"));
  auto body = decode(env.payload());
  if (!body) return call.reject(HERALD_REASON_MALFORMED, "a " + type + " message needs a media body");
  if (env.get(":conv").value_or("").substr(0, 5) == "room:")
    return call.reject(HERALD_REASON_UNSUPPORTED_FEATURE, "media messages are not supported in rooms");
  auto media = plugin_.library().media(body->media_id);
  if (!media) return call.reject(HERALD_REASON_NOT_FOUND, "no media " + body->media_id + " (upload not completed?)");
  if (type != "file" && media_kind_of(media->mime_type) != type)
    return call.reject(HERALD_REASON_INVALID_REQUEST, "media " + media->media_id + " is " + media->mime_type +
                                                          ", not an " + type);
  if (!iequals_ascii(body->mime_type, media->mime_type))
    return call.reject(HERALD_REASON_INVALID_REQUEST, "mime_type does not match the upload (" + media->mime_type + ")");
  if (body->size != 0 && body->size != media->size)
    return call.reject(HERALD_REASON_INVALID_REQUEST, "size does not match the upload (" + std::to_string(media->size) + ")");
  std::string sha = hex_to_bytes(media->sha256);
  std::string given(body->sha256.begin(), body->sha256.end());
  if (!given.empty() && given != sha) return call.reject(HERALD_REASON_INVALID_REQUEST, "sha256 does not match the upload");
  if (body->size == 0 || given.empty()) {  // recipients get the authoritative facts
    body->size = media->size;
    body->sha256.assign(sha.begin(), sha.end());
    auto encoded = binary::encode_media_body(*body);
    env.set_payload(std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
  }

  std::string user(env.get(":user").value_or(""));
  if (plugin_.library().is_owner(media->media_id, user)) return sdk::Verdict::kContinue;
  // A forward: the sender must be able to download it themselves. Ask the core off the loop thread.
  auto done = std::make_shared<sdk::Completion>(call.defer());
  MediaPlugin* plugin = &plugin_;
  bool posted = plugin_.worker().post([plugin, done, user, m = *media] {
    try {
      if (plugin->access().check(user, m) == AccessPolicy::Answer::kAllowed)
        done->resume();
      else
        done->reject(HERALD_REASON_NOT_AUTHORIZED, "you may not share media " + m.media_id);
    } catch (const MediaError& e) {
      done->reject(e.reason(), e.what());
    } catch (const std::exception& e) {
      done->reject(HERALD_REASON_UNSPECIFIED_ERROR, e.what());
    }
  });
  if (!posted) done->reject(HERALD_REASON_SERVER_SHUTTING_DOWN, "media plugin stopping");
  return sdk::Verdict::kDefer;
}

sdk::Verdict GrantStage::process(sdk::StageCall& call) {
  sdk::Envelope env = call.envelope();
  if (!is_media_send(env)) return sdk::Verdict::kContinue;
  auto msg_id = u64(env.get(":msg_id"));
  auto seq = u64(env.get(":seq"));
  auto body = decode(env.payload());
  if (!msg_id || !seq || !body) {
    plugin_.host().warn("media.grant: a media SEND without :msg_id/:seq or a media body (is media.grant after "
                        "im.store?); no download grant recorded");
    return sdk::Verdict::kContinue;
  }
  // The message is committed: never reject here (the client would retry a stored message); log instead.
  try {
    plugin_.library().add_grant(body->media_id, Grant{std::string(env.get(":conv").value_or("")), *msg_id, *seq});
  } catch (const std::exception& e) {
    plugin_.host().error("media.grant: grant for " + body->media_id + " in message " + std::to_string(*msg_id) +
                         " not recorded: " + e.what());
  }
  return sdk::Verdict::kContinue;
}

}  // namespace herald::media
