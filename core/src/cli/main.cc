// herald: the server and its command-line tools.
#include <cstdio>
#include <cstring>
#include <map>

#include "cli/commands.h"
#include "messaging/im_plugin.h"
#include "messaging/message_store.h"

namespace {
void usage(FILE* out) {
  std::fputs(
      "usage: herald <command> [options]\n"
      "  serve -c FILE          run the server with config FILE\n"
      "  check-config FILE      check FILE and its plugins' configs; print every error\n"
      "  plugins -c FILE        list the plugins FILE loads: version, ABI, stages, listeners, routes, config keys\n"
      "  version                print the version and plugin ABI versions\n"
      "  client --connect HOST:PORT --user U (--token T | --token-file F) SUB ...\n"
      "                         a binary-protocol client printing JSON lines; SUB: send, tail, sync,\n"
      "                         history, read, recall, delete, unread, group, room (herald client --help)\n"
      "  <command> -c FILE ...  a command a configured plugin provides (see `herald plugins`), e.g. token\n",
      out);
}
}  // namespace

int main(int argc, char** argv) {
  herald::messaging::configure_sqlite_process();  // before any database is opened
  herald::messaging::register_builtin();  // core's messaging plugin "im", before any config is read
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string command = argv[1];
  herald::cli::Args args(argv + 2, argv + argc);
  static const std::map<std::string, int (*)(const herald::cli::Args&)> commands{
      {"serve", herald::cli::serve},
      {"check-config", herald::cli::check_config},
      {"plugins", herald::cli::plugins},
      {"version", herald::cli::version},
      {"client", herald::cli::client_command},
      {"--version", herald::cli::version},
  };
  if (command == "help" || command == "--help" || command == "-h") {
    usage(stdout);
    return 0;
  }
  auto it = commands.find(command);
  if (it == commands.end()) {
    int code = herald::cli::plugin_command(command, args);
    if (code >= 0) return code;
    std::fprintf(stderr, "herald: unknown command \"%s\"\n", command.c_str());
    usage(stderr);
    return 2;
  }
  return it->second(args);
}
