// AdminServer: the admin API's HTTP listener (Poco HTTPServer). Checks the bearer token, bounds the
// body, and hands each request to the RouteTable, where core and plugins registered their routes.
// Handlers run on this server's worker threads, never on event loops.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>

#include "admin/route_table.h"
#include "common/result.h"
#include "config/herald_config.h"

namespace Poco::Net {
class HTTPServer;
}

namespace herald {
class MetricsRegistry;
}

namespace herald::admin {

class AdminServer {
 public:
  AdminServer(AdminConfig config, RouteTable& routes, std::vector<std::string> tokens, MetricsRegistry& metrics);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds config.listen ("address:port", port 0 picks one) and serves. Returns the bound address.
  Result<std::string> start();
  // Stops accepting and waits for the worker threads (bounded by Poco's timeouts).
  void stop();

  struct Counters;

 private:
  AdminConfig config_;
  RouteTable& routes_;
  std::vector<std::string> tokens_;
  MetricsRegistry& metrics_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace herald::admin
