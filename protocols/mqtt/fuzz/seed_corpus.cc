// Writes the decode fuzzer's seed corpus: every sample packet of both versions (tests/test_util.h)
// under each sender setting, and every packet captured from real clients (tests/fixtures).
// Built on demand only:  cmake --build <dir> --target herald_mqtt_seed_corpus && <dir>/.../herald_mqtt_seed_corpus OUT_DIR
#define CATCH_CONFIG_RUNNER
#include <filesystem>
#include <fstream>
#include <iostream>

#include "../tests/test_util.h"

using namespace herald::mqtt;
using namespace herald::mqtt::test;

namespace {

// The fuzzer's configuration byte: bit 0 version, bits 1-2 sender (client, server, any).
std::uint8_t config(ProtocolVersion v, Sender s) {
  return static_cast<std::uint8_t>((v == ProtocolVersion::v5 ? 1 : 0) | static_cast<unsigned>(s) << 1);
}

void write(const std::filesystem::path& dir, const std::string& name, std::uint8_t cfg,
           const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(dir / name, std::ios::binary);
  out.put(static_cast<char>(cfg));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: herald_mqtt_seed_corpus OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const ProtocolVersion v : {ProtocolVersion::v311, ProtocolVersion::v5}) {
    const std::string tag = v == ProtocolVersion::v5 ? "v5" : "v311";
    for (const Packet& p : sample_packets(v)) {
      std::vector<std::uint8_t> bytes;
      if (encode(p, v, bytes) != EncodeError::kNone) return 1;
      const std::string base = tag + "-" + std::string(to_string(type_of(p))) + "-" + std::to_string(n++);
      write(dir, base, config(v, sender_of(p)), bytes);
      write(dir, base + "-any", config(v, Sender::kAny), bytes);
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(HERALD_MQTT_FIXTURES_DIR)) {
    if (entry.path().extension() != ".hex") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::vector<std::uint8_t> session;
    const bool v5 = entry.path().stem().string().find("v5") != std::string::npos;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != '#') {
        const auto bytes = wire(line);
        session.insert(session.end(), bytes.begin(), bytes.end());
      }
    }
    // The whole captured session as one stream; the fuzzer follows the CONNECT's version.
    write(dir, "fixture-" + entry.path().stem().string(), config(v5 ? ProtocolVersion::v5 : ProtocolVersion::v311,
                                                                 Sender::kClient), session);
  }
  std::cout << "wrote seeds to " << dir << "\n";
  return 0;
}
