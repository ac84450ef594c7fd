// Writing and reading the "t<ns>" send-time prefix of benchmark message bodies.
#include "message_stamp.h"

namespace herald::bench {

std::string stamped_text(std::uint64_t now_ns, std::size_t size) {
  std::string body = "t" + std::to_string(now_ns) + " ";
  if (body.size() < size) body.append(size - body.size(), 'x');
  return body;
}

std::uint64_t read_stamp(std::string_view text) {
  std::uint64_t v = 0;
  std::size_t i = text.starts_with("t") ? 1 : 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  return v;
}

}  // namespace herald::bench
