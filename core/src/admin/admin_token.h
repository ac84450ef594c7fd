// The admin API's bearer tokens: read from a file (one per line, so a new one can be added before the
// old one is removed), or created with a random token on first start so the API is never open.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace herald::admin {

struct AdminTokens {
  std::vector<std::string> tokens;
  bool created = false;  // the file did not exist and was written now (mode 0600)
};

// Blank lines and lines starting with '#' are ignored; a file with no token is an error.
Result<AdminTokens> load_or_create_tokens(const std::string& path);

// Constant-time check of `presented` against every token (no early exit on the first mismatch).
bool token_matches(const std::vector<std::string>& tokens, const std::string& presented);

}  // namespace herald::admin
