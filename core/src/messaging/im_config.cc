#include "messaging/im_config.h"

#include <herald/config_section.hpp>

namespace herald::messaging {

ImConfig parse_im_config(const YAML::Node& node, std::vector<std::string>& errors) {
  ImConfig c;
  sdk::ConfigSection root(node, "", [&](std::string path, std::string message) {
    errors.push_back(path + ": " + message);
  });
  root.allow_keys({"pipeline", "storage", "groups", "rooms", "retention", "recall_window", "sync", "history",
                   "max_body", "push", "replicated"});
  root.string("pipeline", c.pipeline);
  if (c.pipeline.empty()) root.error("pipeline", "must not be empty");

  auto storage = root.child("storage");
  storage.allow_keys({"file", "synchronous"});
  storage.string("file", c.storage.file);
  if (c.storage.file.empty()) storage.error("file", "must not be empty");
  storage.choice("synchronous", c.storage.synchronous,
                 {{"full", Synchronous::kFull}, {"normal", Synchronous::kNormal}});

  auto groups = root.child("groups");
  groups.allow_keys({"write_diffusion_max", "max_members"});
  groups.integer("write_diffusion_max", c.groups.write_diffusion_max, 1, 100000);
  groups.integer("max_members", c.groups.max_members, 2, 10000000);

  auto rooms = root.child("rooms");
  rooms.allow_keys({"history"});
  rooms.integer("history", c.rooms.history, 0, 100000);

  auto retention = root.child("retention");
  retention.allow_keys({"max_entries", "max_age"});
  retention.integer("max_entries", c.retention.max_entries, 1, uint64_t{1} << 40);
  retention.duration("max_age", c.retention.max_age, false);

  root.duration("recall_window", c.recall_window);

  auto push = root.child("push");
  push.allow_keys({"ack_timeout", "max_pending", "read_diffusion_max"});
  push.duration("ack_timeout", c.push.ack_timeout);
  push.integer("max_pending", c.push.max_pending, 1, 10000000);
  push.integer("read_diffusion_max", c.push.read_diffusion_max, 0, 10000000);

  for (auto [key, paging] : {std::pair{"sync", &c.sync}, std::pair{"history", &c.history}}) {
    auto s = root.child(key);
    s.allow_keys({"page_limit", "max_page"});
    s.integer("page_limit", paging->page_limit, 1, 100000);
    s.integer("max_page", paging->max_page, 1, 100000);
    if (paging->page_limit > paging->max_page) s.error("page_limit", "must not exceed max_page");
  }
  root.size("max_body", c.max_body, 1, 16 * 1024 * 1024);
  root.boolean("replicated", c.replicated);
  return c;
}

std::vector<sdk::KeySpec> im_config_keys() {
  using sdk::key;
  return {
      key("pipeline", HERALD_CONFIG_STRING, "inbound", "pipeline every SEND runs through (needs im.store)"),
      key("storage", HERALD_CONFIG_MAP, "{file: im.db, synchronous: full}",
          "SQLite file (relative to data_dir) and its synchronous mode: full | normal"),
      key("groups", HERALD_CONFIG_MAP, "{write_diffusion_max: 500, max_members: 100000}",
          "groups up to write_diffusion_max members get timeline entries; larger ones are read-diffusion"),
      key("rooms", HERALD_CONFIG_MAP, "{history: 100}", "recent messages kept in memory per room"),
      key("retention", HERALD_CONFIG_MAP, "{max_entries: 10000, max_age: 30d}", "per user timeline retention"),
      key("recall_window", HERALD_CONFIG_DURATION, "2m", "how long after sending a message may be recalled"),
      key("sync", HERALD_CONFIG_MAP, "{page_limit: 100, max_page: 1000}", "SYNC_REQUEST page sizes"),
      key("history", HERALD_CONFIG_MAP, "{page_limit: 50, max_page: 500}", "HISTORY_REQUEST page sizes"),
      key("max_body", HERALD_CONFIG_SIZE, "64KiB", "largest message body accepted"),
      key("push", HERALD_CONFIG_MAP, "{ack_timeout: 30s, max_pending: 100000, read_diffusion_max: 500}",
          "for push bridges: notify online devices that do not ack within ack_timeout (0 = off); offline members "
          "of read-diffusion groups looked up per message"),
      key("replicated", HERALD_CONFIG_BOOLEAN, "false",
          "cluster mode: state-changing requests go through a replication log (a bridge plugin such as kafka) "
          "and are refused with SERVER_UNAVAILABLE until one is attached"),
  };
}

}  // namespace herald::messaging
