// Where media bytes live: staged upload parts and content-addressed objects (named by their SHA-256).
// An interface so an object store (S3 multipart upload maps onto parts) can replace the local disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald::media {

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Up to `n` bytes from `offset`; fewer only at the end.
  virtual std::size_t read(uint64_t offset, char* out, std::size_t n) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores one part durably and atomically (a reader sees the old part or the new one, never half).
  virtual void put_part(const std::string& upload, uint32_t index, std::string_view data) = 0;
  virtual void drop_parts(const std::string& upload) = 0;
  struct Hashes {
    std::string sha256, proof;  // hex; proof: SHA-256 of kProofPrefix + content (sha256.h)
  };
  // Concatenates parts 0..count-1 and returns their hashes. Only when `store` and the SHA-256 equals
  // `expected_sha256` is the object stored, under that name, atomically; the parts stay until drop_parts.
  virtual Hashes assemble(const std::string& upload, uint32_t count, const std::string& expected_sha256,
                          bool store) = 0;
  virtual bool exists(const std::string& sha256) const = 0;
  virtual std::unique_ptr<BlobReader> open(const std::string& sha256) const = 0;  // nullptr when absent
  virtual void remove(const std::string& sha256) = 0;

  // Crash recovery at start: uploads that have staged parts, and removal of half-written temporaries.
  virtual std::vector<std::string> staged_uploads() const = 0;
  virtual std::size_t remove_temporaries() = 0;
};

}  // namespace herald::media
