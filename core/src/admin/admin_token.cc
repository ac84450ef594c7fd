// Admin token file: load, or create with a random token (see admin_token.h).
#include "admin/admin_token.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace herald::admin {

Result<AdminTokens> load_or_create_tokens(const std::string& path) {
  AdminTokens out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::random_device rd;  // the kernel's CSPRNG on Linux
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    for (int i = 0; i < 32; ++i) {
      unsigned v = rd() & 0xff;
      token += kHex[v >> 4];
      token += kHex[v & 15];
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
      return make_error(HERALD_REASON_STORAGE_UNAVAILABLE,
                        "admin.token_file: cannot create " + path + ": " + std::strerror(errno));
    std::string line = token + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) return make_error(HERALD_REASON_STORAGE_UNAVAILABLE, "admin.token_file: cannot write " + path);
    out.tokens.push_back(token);
    out.created = true;
    return out;
  }
  std::ifstream in(path);
  if (!in) return make_error(HERALD_REASON_STORAGE_UNAVAILABLE, "admin.token_file: cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    out.tokens.push_back(line.substr(start));
  }
  if (out.tokens.empty()) return make_error(HERALD_REASON_INVALID_REQUEST, "admin.token_file: " + path + " holds no token");
  return out;
}

bool token_matches(const std::vector<std::string>& tokens, const std::string& presented) {
  bool any = false;
  for (const auto& t : tokens) {
    unsigned diff = t.size() == presented.size() ? 0u : 1u;
    for (size_t i = 0; i < t.size(); ++i) diff |= static_cast<unsigned char>(t[i]) ^
                                                  static_cast<unsigned char>(i < presented.size() ? presented[i] : 0);
    any |= diff == 0;
  }
  return any;
}

}  // namespace herald::admin
