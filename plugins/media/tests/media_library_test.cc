// The media library on a real temporary directory and SQLite file: part bookkeeping, resume state,
// assembly, dedup, limits, expiry and reference counts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "local_blob_store.h"
#include "media_library.h"
#include "sha256.h"

using namespace herald::media;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("herald-media-test-" + random_hex(6));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

struct Fixture {
  TempDir dir;
  LocalBlobStore* blobs = nullptr;
  std::unique_ptr<MediaLibrary> lib;
  explicit Fixture(MediaLimits limits = small_limits()) { open(limits); }
  void open(MediaLimits limits = small_limits()) {
    lib.reset();
    auto store = std::make_unique<LocalBlobStore>(dir.path / "media");
    blobs = store.get();
    lib = std::make_unique<MediaLibrary>(limits, std::move(store), (dir.path / "media.db").string());
  }
  static MediaLimits small_limits() {
    MediaLimits l;
    l.min_part_size = 16;
    l.default_part_size = 1024;
    l.max_part_size = 4096;
    l.max_image = 10000;
    l.upload_ttl = std::chrono::milliseconds(1000);
    return l;
  }
  size_t object_files() const {
    size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(dir.path / "media" / "objects"))
      if (e.is_regular_file()) ++n;
    return n;
  }
  // Uploads `data` as `user`, parts in reverse order; returns the media.
  MediaInfo upload(const std::string& user, const std::string& data, const std::string& mime = "video/mp4") {
    InitResult r = lib->init_upload({user, mime, sha256_hex(data), data.size(), 1024, ""}, 0);
    if (r.instant) return *r.instant;
    for (uint32_t i = r.upload.part_count; i-- > 0;) {
      std::string part = data.substr(i * 1024, 1024);
      lib->put_part(user, r.upload.upload_id, i, part, sha256_hex(part), 0);
    }
    return lib->complete(user, r.upload.upload_id).media;
  }
};

std::string read_all(BlobReader& r) {
  std::string out(r.size(), '\0');
  CHECK(r.read(0, out.data(), out.size()) == out.size());
  return out;
}

}  // namespace

TEST_CASE("library: parts in any order, resume state, byte-identical assembly") {
  Fixture f;
  const std::string data = random_bytes(5000, 1);
  InitResult r = f.lib->init_upload({"alice", "video/mp4", sha256_hex(data), data.size(), 1024, ""}, 0);
  REQUIRE_FALSE(r.instant);
  CHECK(r.upload.part_count == 5);
  for (uint32_t i : {3u, 0u}) {
    std::string part = data.substr(i * 1024, 1024);
    f.lib->put_part("alice", r.upload.upload_id, i, part, sha256_hex(part), 0);
  }
  CHECK(f.lib->upload("alice", r.upload.upload_id).parts == std::vector<uint32_t>{0, 3});
  CHECK_THROWS_AS(f.lib->complete("alice", r.upload.upload_id), MediaError);  // parts missing

  f.open();  // a restart keeps the resume state
  CHECK(f.lib->upload("alice", r.upload.upload_id).parts == std::vector<uint32_t>{0, 3});
  for (uint32_t i : {4u, 1u, 2u, 1u}) {  // part 1 twice: idempotent
    std::string part = data.substr(i * 1024, 1024);
    f.lib->put_part("alice", r.upload.upload_id, i, part, sha256_hex(part), 0);
  }
  Completed c = f.lib->complete("alice", r.upload.upload_id);
  CHECK_FALSE(c.deduplicated);
  MediaInfo m = c.media;
  CHECK(m.size == data.size());
  CHECK(m.sha256 == sha256_hex(data));
  auto reader = f.lib->open(m);
  REQUIRE(reader);
  CHECK(read_all(*reader) == data);
  CHECK(f.lib->is_owner(m.media_id, "alice"));
  CHECK_FALSE(f.lib->is_owner(m.media_id, "bob"));
  CHECK(f.lib->active_uploads() == 0);
  CHECK_FALSE(fs::exists(f.dir.path / "media" / "parts" / r.upload.upload_id));  // parts dropped
}

TEST_CASE("library: a wrong part checksum or size stores nothing") {
  Fixture f;
  const std::string data = random_bytes(2000, 2);
  InitResult r = f.lib->init_upload({"alice", "image/png", sha256_hex(data), data.size(), 1024, ""}, 0);
  std::string part = data.substr(0, 1024);
  try {
    f.lib->put_part("alice", r.upload.upload_id, 0, part, sha256_hex("other"), 0);
    FAIL("accepted a bad checksum");
  } catch (const MediaError& e) {
    CHECK(e.reason() == HERALD_REASON_INVALID_REQUEST);
  }
  CHECK(f.lib->upload("alice", r.upload.upload_id).parts.empty());
  CHECK_FALSE(fs::exists(f.blobs->part_path(r.upload.upload_id, 0)));
  CHECK_THROWS_AS(f.lib->put_part("alice", r.upload.upload_id, 1, part, sha256_hex(part), 0), MediaError);  // last part is 976 bytes
  CHECK_THROWS_AS(f.lib->put_part("alice", r.upload.upload_id, 2, part, sha256_hex(part), 0), MediaError);  // no part 2
  CHECK_THROWS_AS(f.lib->put_part("bob", r.upload.upload_id, 0, part, sha256_hex(part), 0), MediaError);  // not bob's
  CHECK(f.lib->upload("alice", r.upload.upload_id).parts.empty());
}

TEST_CASE("library: a declared hash that the parts do not match drops the upload") {
  Fixture f;
  const std::string data = random_bytes(100, 3);
  InitResult r = f.lib->init_upload({"alice", "image/png", sha256_hex("something else"), data.size(), 0, ""}, 0);
  f.lib->put_part("alice", r.upload.upload_id, 0, data, sha256_hex(data), 0);
  CHECK_THROWS_AS(f.lib->complete("alice", r.upload.upload_id), MediaError);
  CHECK(f.object_files() == 0);
  CHECK(f.lib->active_uploads() == 0);
}

std::string proof_of(const std::string& data) { return sha256_hex(std::string(kProofPrefix) + data); }

TEST_CASE("library: the same content is stored once, a second upload is instant with the same id") {
  Fixture f;
  const std::string data = random_bytes(3000, 4);
  MediaInfo first = f.upload("alice", data);
  // The SHA-256 alone (seen in a message body) is not enough: a normal upload, deduplicated at complete.
  InitResult guess = f.lib->init_upload({"eve", "video/mp4", sha256_hex(data), data.size(), 1024, ""}, 0);
  REQUIRE_FALSE(guess.instant);
  CHECK_FALSE(f.lib->is_owner(first.media_id, "eve"));
  CHECK_THROWS_AS(f.lib->init_upload({"eve", "video/mp4", sha256_hex(data), data.size(), 0, sha256_hex("x")}, 0),
                  MediaError);  // a wrong proof
  InitResult again = f.lib->init_upload({"bob", "video/mp4", sha256_hex(data), data.size(), 0, proof_of(data)}, 0);
  REQUIRE(again.instant);
  CHECK(again.instant->media_id == first.media_id);
  CHECK(f.lib->is_owner(first.media_id, "bob"));
  CHECK(f.object_files() == 1);
  CHECK(f.lib->media(first.media_id)->refs == 2);
  // eve uploads the bytes after all: same media, nothing written twice.
  for (uint32_t i = 0; i < guess.upload.part_count; ++i) {
    std::string part = data.substr(i * 1024, 1024);
    f.lib->put_part("eve", guess.upload.upload_id, i, part, sha256_hex(part), 0);
  }
  Completed c = f.lib->complete("eve", guess.upload.upload_id);
  CHECK(c.deduplicated);
  CHECK(c.media.media_id == first.media_id);
  CHECK(f.object_files() == 1);
  CHECK(f.lib->is_owner(first.media_id, "eve"));
  // Two unfinished uploads of the same content: the second to complete gets the first's media id.
  const std::string other = random_bytes(1500, 5);
  InitResult a = f.lib->init_upload({"carol", "video/mp4", sha256_hex(other), other.size(), 1024, ""}, 0);
  InitResult b = f.lib->init_upload({"dave", "video/mp4", sha256_hex(other), other.size(), 1024, ""}, 0);
  for (auto* r : {&a, &b})
    for (uint32_t i = 0; i < 2; ++i) {
      std::string part = other.substr(i * 1024, 1024);
      f.lib->put_part(r == &a ? "carol" : "dave", r->upload.upload_id, i, part, sha256_hex(part), 0);
    }
  MediaInfo ma = f.lib->complete("carol", a.upload.upload_id).media;
  MediaInfo mb = f.lib->complete("dave", b.upload.upload_id).media;
  CHECK(ma.media_id == mb.media_id);
  CHECK(f.object_files() == 2);
}

TEST_CASE("library: limits by type and per user") {
  MediaLimits l = Fixture::small_limits();
  l.max_active_uploads_per_user = 2;
  l.max_pending_bytes_per_user = 50000;
  Fixture f(l);
  auto init = [&](const std::string& user, uint64_t size, const std::string& mime) {
    return f.lib->init_upload({user, mime, sha256_hex(std::to_string(size) + mime + user), size, 0, ""}, 0);
  };
  auto reason = [&](auto fn) {
    try {
      fn();
    } catch (const MediaError& e) {
      return e.reason();
    }
    return HERALD_REASON_OK;
  };
  CHECK(reason([&] { init("alice", 10001, "image/png"); }) == HERALD_REASON_PAYLOAD_TOO_LARGE);
  CHECK(reason([&] { init("alice", 10001, "application/pdf"); }) == HERALD_REASON_OK);  // file limit is larger
  CHECK(reason([&] { init("alice", 100, "video/mp4"); }) == HERALD_REASON_OK);
  CHECK(reason([&] { init("alice", 100, "audio/ogg"); }) == HERALD_REASON_QUOTA_EXCEEDED);  // third unfinished
  CHECK(reason([&] { init("bob", 60000, "video/mp4"); }) == HERALD_REASON_QUOTA_EXCEEDED);  // pending bytes
  CHECK(reason([&] { init("bob", 0, "video/mp4"); }) == HERALD_REASON_INVALID_REQUEST);
  CHECK(reason([&] { init("bob", 10, "video"); }) == HERALD_REASON_INVALID_REQUEST);
  CHECK(reason([&] { f.lib->init_upload({"bob", "video/mp4", "abc", 10, 0, ""}, 0); }) == HERALD_REASON_INVALID_REQUEST);
  CHECK(reason([&] { f.lib->init_upload({"bob", "video/mp4", sha256_hex("x"), 10, 8, ""}, 0); }) ==
        HERALD_REASON_INVALID_REQUEST);  // part size below the minimum
}

TEST_CASE("library: unfinished uploads expire after their last part, parts are removed") {
  Fixture f;
  const std::string data = random_bytes(2000, 6);
  InitResult r = f.lib->init_upload({"alice", "video/mp4", sha256_hex(data), data.size(), 1024, ""}, 0);
  std::string part = data.substr(0, 1024);
  f.lib->put_part("alice", r.upload.upload_id, 0, part, sha256_hex(part), 800);  // ttl restarts at 800
  CHECK(f.lib->expire(1000) == 0);
  CHECK(f.lib->expire(1800) == 1);
  CHECK(f.lib->active_uploads() == 0);
  CHECK_FALSE(fs::exists(f.dir.path / "media" / "parts" / r.upload.upload_id));
  CHECK_THROWS_AS(f.lib->upload("alice", r.upload.upload_id), MediaError);
}

TEST_CASE("library: grants count as references, revoking the last reference removes the content") {
  Fixture f;
  MediaInfo m = f.upload("alice", random_bytes(1200, 7));
  CHECK(f.lib->add_grant(m.media_id, Grant{"c2c:alice:bob", 42, 1}));
  CHECK_FALSE(f.lib->add_grant(m.media_id, Grant{"c2c:alice:bob", 42, 1}));  // a retried SEND: same message
  CHECK(f.lib->add_grant(m.media_id, Grant{"group:g", 43, 7}));
  CHECK(f.lib->media(m.media_id)->refs == 3);
  auto grants = f.lib->grants(m.media_id, 10);
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].msg_id == 43);  // newest first
  f.lib->revoke_grant(m.media_id, 43);
  f.lib->revoke_grant(m.media_id, 43);  // twice: no double release
  CHECK(f.lib->media(m.media_id)->refs == 2);
  CHECK(f.object_files() == 1);
}

TEST_CASE("library: recovery after a crash removes temporaries and parts of forgotten uploads") {
  Fixture f;
  const std::string data = random_bytes(2000, 10);
  InitResult r = f.lib->init_upload({"alice", "video/mp4", sha256_hex(data), data.size(), 1024, ""}, 0);
  std::string part = data.substr(0, 1024);
  f.lib->put_part("alice", r.upload.upload_id, 0, part, sha256_hex(part), 0);
  f.blobs->put_part("u-forgotten", 0, "abc");  // its row was deleted, the process died before its files
  fs::create_directories(f.dir.path / "media" / "objects" / "ab");
  std::ofstream(f.dir.path / "media" / "objects" / "ab" / ".abcd.123.tmp") << "half";
  f.open();
  CHECK(f.lib->recover() == 2);
  CHECK_FALSE(fs::exists(f.dir.path / "media" / "parts" / "u-forgotten"));
  CHECK_FALSE(fs::exists(f.dir.path / "media" / "objects" / "ab" / ".abcd.123.tmp"));
  CHECK(f.lib->upload("alice", r.upload.upload_id).parts == std::vector<uint32_t>{0});  // kept
  CHECK(fs::exists(f.blobs->part_path(r.upload.upload_id, 0)));
}

TEST_CASE("blob store: objects are written whole, under their hash, with no temporary left behind") {
  TempDir dir;
  LocalBlobStore store(dir.path);
  const std::string a = random_bytes(3000, 8), b = random_bytes(10, 9);
  store.put_part("u1", 0, a);
  store.put_part("u1", 1, b);
  store.put_part("u1", 1, b);  // replaced atomically
  std::string want = sha256_hex(a + b);
  CHECK(store.assemble("u1", 2, sha256_hex("nope"), true).sha256 == want);  // mismatch: not stored
  CHECK_FALSE(store.exists(sha256_hex("nope")));
  CHECK(store.assemble("u1", 2, want, false).sha256 == want);  // hash only
  CHECK_FALSE(store.exists(want));
  auto h = store.assemble("u1", 2, want, true);
  CHECK(h.sha256 == want);
  CHECK(h.proof == sha256_hex(std::string(kProofPrefix) + a + b));
  REQUIRE(store.exists(want));
  CHECK(read_all(*store.open(want)) == a + b);
  store.drop_parts("u1");
  for (auto& e : fs::recursive_directory_iterator(dir.path)) CHECK(e.path().extension() != ".tmp");
  store.remove(want);
  CHECK_FALSE(store.exists(want));
  CHECK(store.open(want) == nullptr);
}
