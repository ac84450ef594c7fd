// Writes the committed seed corpora from the test sample frames:
//   herald_binary_gen_corpus <frame_decoder dir> <sync_page_inflate dir>
// Re-run after adding a frame type or field; crash inputs found later are added by hand as regressions.
#include <cstdio>
#include <fstream>
#include <string>

#include "../tests/sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {
void write(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FRAME_DIR INFLATE_DIR\n", argv[0]);
    return 2;
  }
  const std::string frames_dir = argv[1], inflate_dir = argv[2];
  Bytes all;
  auto emit = [&](const std::string& prefix, const std::vector<Frame>& frames) {
    for (const Frame& f : frames) {
      const Bytes b = encode(f, EncodeOptions{1 << 18});
      write(frames_dir + "/" + prefix + "_" + frame_type_name(frame_type(f.body)), b);
      all.insert(all.end(), b.begin(), b.end());
      if (may_be_compressed(frame_type(f.body))) {
        const Bytes z = encode(f, EncodeOptions{1 << 18, true});
        write(frames_dir + "/" + prefix + "_" + frame_type_name(frame_type(f.body)) + "_z", z);
      }
    }
  };
  emit("full", full_frames());
  emit("min", minimal_frames());
  write(frames_dir + "/stream_all", all);

  int n = 0;
  for (const Frame& f : full_frames()) {
    if (frame_type(f.body) != FrameType::kSyncPage && frame_type(f.body) != FrameType::kPush) continue;
    SyncPageFrame page;
    if (const auto* p = std::get_if<SyncPageFrame>(&f.body)) page = *p;
    if (const auto* p = std::get_if<PushFrame>(&f.body)) page.entries = p->entries;
    const Bytes plain = body_of(encode(Frame{1, false, page}, EncodeOptions{1 << 18}));
    // Mode byte (see sync_page_inflate_fuzz.cc): 1 = a zlib stream follows, 0 = a plain body follows.
    Bytes z{1};
    deflate_zlib(plain, z);
    write(inflate_dir + "/page_z" + std::to_string(n), z);
    Bytes p{0};
    p.insert(p.end(), plain.begin(), plain.end());
    write(inflate_dir + "/page_plain" + std::to_string(n++), p);
  }
  Bytes empty_z{1};
  deflate_zlib({}, empty_z);
  write(inflate_dir + "/empty", empty_z);
  return 0;
}
