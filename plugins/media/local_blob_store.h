// BlobStore on the local file system: <root>/objects/<2 hex>/<sha256>, parts under <root>/parts/<upload>/,
// every file written to a temporary name, fsynced, renamed, and its directory fsynced.
#pragma once

#include <filesystem>

#include "blob_store.h"

namespace herald::media {

class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(std::filesystem::path root);  // creates the directories

  void put_part(const std::string& upload, uint32_t index, std::string_view data) override;
  void drop_parts(const std::string& upload) override;
  Hashes assemble(const std::string& upload, uint32_t count, const std::string& expected_sha256, bool store) override;
  bool exists(const std::string& sha256) const override;
  std::unique_ptr<BlobReader> open(const std::string& sha256) const override;
  void remove(const std::string& sha256) override;
  std::vector<std::string> staged_uploads() const override;
  std::size_t remove_temporaries() override;

  std::filesystem::path object_path(const std::string& sha256) const;
  std::filesystem::path part_path(const std::string& upload, uint32_t index) const;

 private:
  std::filesystem::path root_;
};

}  // namespace herald::media
