// `herald unread check -c FILE --db PATH`: reconciles the unread counters with the messages (see
// reconcile.h) on a read-only connection, so it also runs against a live server (one snapshot).
// Prints a JSON summary line; exit 0 = no mismatch, 1 = mismatches, 2 = usage, 3 = cannot read.
#pragma once

#include <string>
#include <vector>

#include <herald/sdk.hpp>

namespace herald::unread {

int check_command(const sdk::Config& config, const std::vector<std::string>& args, std::string& out, std::string& err);

}  // namespace herald::unread
