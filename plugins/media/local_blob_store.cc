// LocalBlobStore: POSIX files with temp + fsync + rename, so a crash leaves either nothing or a whole file.
#include "local_blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "sha256.h"

namespace herald::media {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& p) {
  throw std::runtime_error(what + " " + p.string() + ": " + std::strerror(errno));
}

class Fd {
 public:
  Fd(const fs::path& p, int flags, mode_t mode = 0644) : fd_(::open(p.c_str(), flags | O_CLOEXEC, mode)), path_(p) {
    if (fd_ < 0) fail("cannot open", p);
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void write_all(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail("cannot write", path_);
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void sync() {
    if (::fsync(fd_) != 0) fail("cannot fsync", path_);
  }

 private:
  int fd_;
  fs::path path_;
};

void sync_dir(const fs::path& dir) {
  Fd d(dir, O_RDONLY | O_DIRECTORY);
  d.sync();
}

fs::path temp_name(const fs::path& final_path) {
  return final_path.parent_path() / ("." + final_path.filename().string() + "." + random_hex(6) + ".tmp");
}

void publish(const fs::path& tmp, const fs::path& final_path) {
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail("cannot rename into", final_path);
  }
  sync_dir(final_path.parent_path());
}

class FileReader final : public BlobReader {
 public:
  explicit FileReader(const fs::path& p) : fd_(p, O_RDONLY) {
    off_t end = ::lseek(fd_.get(), 0, SEEK_END);
    if (end < 0) fail("cannot seek", p);
    size_ = static_cast<uint64_t>(end);
  }
  uint64_t size() const override { return size_; }
  size_t read(uint64_t offset, char* out, size_t n) override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_.get(), out + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw std::runtime_error(std::string("read failed: ") + std::strerror(errno));
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }

 private:
  Fd fd_;
  uint64_t size_ = 0;
};

}  // namespace

LocalBlobStore::LocalBlobStore(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "objects");
  fs::create_directories(root_ / "parts");
}

fs::path LocalBlobStore::object_path(const std::string& sha256) const {
  return root_ / "objects" / sha256.substr(0, 2) / sha256;
}

fs::path LocalBlobStore::part_path(const std::string& upload, uint32_t index) const {
  return root_ / "parts" / upload / (std::to_string(index) + ".part");
}

void LocalBlobStore::put_part(const std::string& upload, uint32_t index, std::string_view data) {
  fs::path final_path = part_path(upload, index);
  fs::create_directories(final_path.parent_path());
  fs::path tmp = temp_name(final_path);
  {
    Fd f(tmp, O_WRONLY | O_CREAT | O_EXCL);
    f.write_all(data.data(), data.size());
    f.sync();
  }
  publish(tmp, final_path);
}

void LocalBlobStore::drop_parts(const std::string& upload) {
  std::error_code ec;
  fs::remove_all(root_ / "parts" / upload, ec);
}

BlobStore::Hashes LocalBlobStore::assemble(const std::string& upload, uint32_t count,
                                           const std::string& expected_sha256, bool store) {
  fs::path final_path = object_path(expected_sha256);
  fs::path tmp;
  std::optional<Fd> out;
  if (store) {
    fs::create_directories(final_path.parent_path());
    tmp = temp_name(final_path);
  }
  Sha256 hash, proof;
  proof.update(kProofPrefix);
  try {
    if (store) out.emplace(tmp, O_WRONLY | O_CREAT | O_EXCL);
    std::vector<char> buf(1 << 20);
    for (uint32_t i = 0; i < count; ++i) {
      FileReader part(part_path(upload, i));
      for (uint64_t off = 0; off < part.size();) {
        size_t n = part.read(off, buf.data(), buf.size());
        if (n == 0) break;
        hash.update(std::string_view(buf.data(), n));
        proof.update(std::string_view(buf.data(), n));
        if (out) out->write_all(buf.data(), n);
        off += n;
      }
    }
    if (out) out->sync();
  } catch (...) {
    if (store) ::unlink(tmp.c_str());
    throw;
  }
  out.reset();
  Hashes got{hash.hex(), proof.hex()};
  if (!store) return got;
  if (got.sha256 != expected_sha256) {
    ::unlink(tmp.c_str());
    return got;
  }
  publish(tmp, final_path);
  return got;
}

bool LocalBlobStore::exists(const std::string& sha256) const {
  std::error_code ec;
  return fs::is_regular_file(object_path(sha256), ec);
}

std::unique_ptr<BlobReader> LocalBlobStore::open(const std::string& sha256) const {
  if (!exists(sha256)) return nullptr;
  return std::make_unique<FileReader>(object_path(sha256));
}

void LocalBlobStore::remove(const std::string& sha256) {
  std::error_code ec;
  fs::remove(object_path(sha256), ec);
}

std::vector<std::string> LocalBlobStore::staged_uploads() const {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root_ / "parts"))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  return out;
}

std::size_t LocalBlobStore::remove_temporaries() {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 5 && name.front() == '.' && name.ends_with(".tmp")) {
      std::error_code ec;
      if (fs::remove(e.path(), ec)) ++n;
    }
  }
  return n;
}

}  // namespace herald::media
