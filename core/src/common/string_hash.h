// A transparent string hash: unordered containers keyed by std::string that look up by string_view
// without building a std::string per lookup.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace herald {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace herald
