// Test support for the network layer: a real host (LoopGroup + host API table) in-process, an echo
// handler that records closes, blocking client sockets with bounded waits, and in-test certificates.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "herald/sdk.hpp"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "net/net_server.h"
#include "plugin/host_api.h"
#include "test_files.h"

namespace herald::gateway::test {

using namespace std::chrono_literals;

// Loops + host API exactly as the server wires them, without plugins.
class TestHost {
 public:
  explicit TestHost(uint32_t loops = 2) : group_(loops) {
    signal(SIGPIPE, SIG_IGN);
    services_.loops = &group_;
    services_.metrics = &metrics_;
    services_.node_id = "test";
    ctx_.services = &services_;
    ctx_.plugin = "gateway";
    group_.start();
  }
  ~TestHost() { group_.stop(); }
  sdk::Host host() { return sdk::Host(herald::host_api_v1(), &ctx_); }
  MetricsRegistry& metrics() { return metrics_; }
  // Value of one series, e.g. ("herald_gateway_refused_total", {{"reason","max_connections"}}).
  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& fam : metrics_.registry()->Collect()) {
      if (fam.name != name) continue;
      for (const auto& m : fam.metric) {
        bool all = true;
        for (const auto& [k, v] : labels) {
          bool found = false;
          for (const auto& l : m.label)
            if (l.name == k && l.value == v) found = true;
          all = all && found;
        }
        if (all) return fam.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
      }
    }
    return -1;
  }

 private:
  LoopGroup group_;
  MetricsRegistry metrics_;
  HostServices services_;
  herald_host_ctx ctx_;
};

// What handlers observed, shared with the test thread.
struct Observed {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<CloseCause> closes;
  std::vector<ConnectionInfo> infos;
  size_t bytes = 0;
  size_t opened = 0;
  std::vector<std::string> messages;  // one per on_data call

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return pred(); });
  }
  size_t count_closes(CloseCause c) {
    size_t n = 0;
    for (auto x : closes) n += x == c;
    return n;
  }
};

// Echoes every chunk; "FLOOD:<n>" makes it send n 64 KiB chunks at once instead.
class EchoHandler : public ProtocolHandler {
 public:
  EchoHandler(Transport& t, Observed& o) : t_(t), o_(o) {
    std::lock_guard lock(o_.mutex);
    o_.infos.push_back(t.info());
    ++o_.opened;
    o_.cv.notify_all();
  }
  void on_data(std::span<const uint8_t> bytes) override {
    std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    {
      std::lock_guard lock(o_.mutex);
      o_.bytes += s.size();
      o_.messages.push_back(s);
      o_.cv.notify_all();
    }
    if (s.rfind("FLOOD:", 0) == 0) {
      int n = std::stoi(s.substr(6));
      std::string chunk(64 * 1024, 'f');
      for (int i = 0; i < n; ++i) t_.send(chunk);
      return;
    }
    if (s == "CLOSE") {
      t_.send("BYE");
      t_.close(true);
      return;
    }
    if (s.size() > 5 && s.compare(s.size() - 5, 5, "CLOSE") == 0) {  // echo, then close with flush
      t_.send(s);
      t_.close(true);
      return;
    }
    t_.send(s);
  }
  void on_close(CloseCause cause) override {
    std::lock_guard lock(o_.mutex);
    o_.closes.push_back(cause);
    o_.cv.notify_all();
  }

 private:
  Transport& t_;
  Observed& o_;
};

inline HandlerFactory echo_factory(Observed& o) {
  return [&o](Transport& t) { return std::make_unique<EchoHandler>(t, o); };
}

inline ListenerConfig tcp_listener(const std::string& name, ListenerProtocol p = ListenerProtocol::kMqtt) {
  ListenerConfig c;
  c.name = name;
  c.protocol = p;
  c.transport = ListenerTransport::kTcp;
  c.bind = {"127.0.0.1:0"};
  return c;
}

inline uint16_t port_of(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

inline int tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

inline void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until `n` bytes arrived, EOF or the timeout; returns what it got.
inline std::string recv_n(int fd, size_t n, std::chrono::milliseconds timeout = 10s) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t r = ::recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// True when the peer closed (EOF or reset) within the timeout; discards data meanwhile.
inline bool wait_closed(int fd, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
    if (r <= 0) return true;
  }
}

// --- certificates made in the test (OpenSSL API) ---

struct KeyCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

inline KeyCert make_cert(const std::string& cn, const KeyCert* issuer, bool ca) {
  KeyCert kc;
  kc.key = EVP_RSA_gen(2048);
  kc.cert = X509_new();
  X509_set_version(kc.cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(kc.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(kc.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(kc.cert), 86400);
  X509_set_pubkey(kc.cert, kc.key);
  X509_NAME* name = X509_get_subject_name(kc.cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Herald Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(kc.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer->cert : kc.cert, kc.cert, nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(kc.cert, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) add(NID_key_usage, "critical,keyCertSign,cRLSign");
  else add(NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_sign(kc.cert, issuer ? issuer->key : kc.key, EVP_sha256());
  return kc;
}

inline void write_pem(const std::string& path, const KeyCert& kc, bool key) {
  FILE* f = fopen(path.c_str(), "w");
  REQUIRE(f);
  if (key) PEM_write_PrivateKey(f, kc.key, nullptr, nullptr, 0, nullptr, nullptr);
  else PEM_write_X509(f, kc.cert);
  fclose(f);
}

// A CA, a server cert for 127.0.0.1 and a client cert, as PEM files in a temp dir.
struct TestPki {
  herald::test::TempDir dir;
  KeyCert ca, server, client, rogue;
  std::string ca_pem, server_pem, server_key, client_pem, client_key, rogue_pem, rogue_key;
  TestPki() {
    ca = make_cert("Herald Test CA", nullptr, true);
    server = make_cert("localhost", &ca, false);
    client = make_cert("device-42", &ca, false);
    rogue = make_cert("rogue", nullptr, false);  // self-signed: not from our CA
    ca_pem = dir.file("ca.pem");
    server_pem = dir.file("server.pem");
    server_key = dir.file("server.key");
    client_pem = dir.file("client.pem");
    client_key = dir.file("client.key");
    rogue_pem = dir.file("rogue.pem");
    rogue_key = dir.file("rogue.key");
    write_pem(ca_pem, ca, false);
    write_pem(server_pem, server, false);
    write_pem(server_key, server, true);
    write_pem(client_pem, client, false);
    write_pem(client_key, client, true);
    write_pem(rogue_pem, rogue, false);
    write_pem(rogue_key, rogue, true);
  }
  ~TestPki() {
    for (auto* kc : {&ca, &server, &client, &rogue}) {
      EVP_PKEY_free(kc->key);
      X509_free(kc->cert);
    }
  }
};

// A blocking TLS client (verifies the server against the test CA).
class TlsClient {
 public:
  TlsClient(uint16_t port, const std::string& ca, const std::string& cert = {}, const std::string& key = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = tcp_connect(port);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "localhost");
    connected_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool write(std::string_view data) { return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0; }
  // Reads n bytes (or fewer on EOF/error/timeout). With TLS 1.3 a refused client certificate shows up
  // here, as an alert on the first read.
  std::string read(size_t n) {
    std::string out;
    char buf[16384];
    while (out.size() < n) {
      int r = SSL_read(ssl_, buf, static_cast<int>(std::min(sizeof(buf), n - out.size())));
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    ERR_clear_error();
    return out;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace herald::gateway::test
