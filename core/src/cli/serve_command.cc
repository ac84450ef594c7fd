// `herald serve -c FILE`: run until SIGINT/SIGTERM, reloading on SIGHUP.
#include <cstdio>

#include "cli/commands.h"
#include "log/logger.h"
#include "server/server.h"

namespace herald::cli {

int serve(const Args& args) {
  std::string file = config_arg(args);
  if (file.empty()) {
    std::fputs("usage: herald serve -c FILE\n", stderr);
    return 2;
  }
  Server::block_signals();  // before any thread starts, so every thread inherits the mask
  Server server(file);
  auto started = server.start();
  if (!started) {
    HLOG_ERROR("herald") << "cannot start: " << started.error().message;
    return 1;
  }
  server.run_until_signalled();
  server.stop();
  return 0;
}

}  // namespace herald::cli
