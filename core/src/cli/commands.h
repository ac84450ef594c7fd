// The herald CLI's sub-commands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace herald::cli {

using Args = std::vector<std::string>;

int serve(const Args& args);
int check_config(const Args& args);
int plugins(const Args& args);
int version(const Args& args);
// `herald client --connect HOST:PORT --user U ... <sub-command>`: a binary-protocol client (client_command.cc).
int client_command(const Args& args);
// Runs a command a configured plugin provides; -1 when no plugin (or no -c FILE) offers it.
int plugin_command(const std::string& name, const Args& args);

// Finds "-c FILE" / "--config FILE" / "--config=FILE"; returns empty when absent.
std::string config_arg(const Args& args);

}  // namespace herald::cli
