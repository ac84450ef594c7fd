// Parsing of the filter plugin's config (see filter_config.h and README.md).
#include "filter_config.h"

#include <set>

#include "text_normalizer.h"

namespace herald::filter {

const char* to_string(Action a) {
  switch (a) {
    case Action::kMask:
      return "mask";
    case Action::kReject:
      return "reject";
    case Action::kFlag:
      return "flag";
  }
  return "unknown";
}

namespace {

std::vector<std::string> string_list(const sdk::ConfigSection& s, std::string_view key) {
  std::vector<std::string> out;
  if (!s.present()) return out;
  YAML::Node n = s.node()[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    s.error(key, "expected a list of strings");
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      s.error(std::string(key) + "[" + std::to_string(i) + "]", "expected a string");
      continue;
    }
    out.push_back(n[i].Scalar());
  }
  return out;
}

// One character of a fold table entry.
bool single_char(const std::string& s, char32_t& out) {
  if (s.empty()) return false;
  size_t i = 0;
  out = decode_utf8(s, i);
  return i == s.size() && out != 0xFFFD;
}

}  // namespace

FilterConfig parse_filter_config(const YAML::Node& node, const sdk::ConfigSection::Report& report) {
  FilterConfig c;
  sdk::ConfigSection root(node, "", report);
  root.allow_keys({"categories", "normalize", "penalty", "mask_char", "im_types", "mqtt", "moderation"});

  YAML::Node cats = root.present() ? node["categories"] : YAML::Node();
  if (cats.IsDefined() && !cats.IsNull() && !cats.IsSequence()) root.error("categories", "expected a list");
  std::set<std::string> names;
  if (cats.IsSequence()) {
    if (cats.size() > 64) root.error("categories", "at most 64 categories");
    for (size_t i = 0; i < cats.size(); ++i) {
      sdk::ConfigSection cs = root.at("categories[" + std::to_string(i) + "]", cats[i]);
      if (!cs.present()) {
        cs.error("", "expected a map");
        continue;
      }
      cs.allow_keys({"name", "action", "files", "words", "penalize"});
      CategoryConfig cat;
      if (!cs.string("name", cat.name) || cat.name.empty()) cs.error("name", "required");
      if (!names.insert(cat.name).second) cs.error("name", "duplicate category \"" + cat.name + "\"");
      cs.choice("action", cat.action, {{"mask", Action::kMask}, {"reject", Action::kReject}, {"flag", Action::kFlag}});
      cat.penalize = cat.action != Action::kFlag;
      cs.boolean("penalize", cat.penalize);
      cat.files = string_list(cs, "files");
      cat.words = string_list(cs, "words");
      c.categories.push_back(std::move(cat));
    }
  }

  sdk::ConfigSection norm = root.child("normalize");
  norm.allow_keys({"separators", "fold", "fold_files"});
  std::string seps;
  if (norm.string("separators", seps)) {
    c.normalize.separators.clear();
    size_t i = 0;
    while (i < seps.size()) c.normalize.separators.push_back(decode_utf8(seps, i));
  }
  if (norm.present()) {
    YAML::Node folds = norm.node()["fold"];
    if (folds.IsDefined() && !folds.IsNull()) {
      if (!folds.IsMap()) {
        norm.error("fold", "expected a map of one character to one character");
      } else {
        for (const auto& kv : folds) {
          const std::string from = kv.first.as<std::string>(""), to = kv.second.IsScalar() ? kv.second.Scalar() : "";
          char32_t f = 0, t = 0;
          if (!single_char(from, f) || (!to.empty() && !single_char(to, t)))
            norm.error("fold." + from, "expected one character mapped to one character (or \"\" to drop it)");
          else
            c.normalize.folds[f] = to.empty() ? 0 : t;
        }
      }
    }
  }
  c.fold_files = string_list(norm, "fold_files");

  sdk::ConfigSection pen = root.child("penalty");
  pen.allow_keys({"hits", "window", "mute", "forgive_after", "max_users"});
  pen.integer("hits", c.penalty.hits, 0, 1'000'000);
  pen.duration("window", c.penalty.window, false);
  pen.duration("forgive_after", c.penalty.forgive_after, false);
  pen.integer("max_users", c.penalty.max_users, 1, 100'000'000);
  if (pen.present() && pen.node()["mute"].IsDefined()) {
    std::vector<std::string> mutes = string_list(pen, "mute");
    c.penalty.mutes.clear();
    for (size_t i = 0; i < mutes.size(); ++i) {
      auto ms = config_values::parse_duration_ms(mutes[i]);
      if (!ms || *ms == 0)
        pen.error("mute[" + std::to_string(i) + "]", "expected a duration such as 30s or 10m, got \"" + mutes[i] + "\"");
      else
        c.penalty.mutes.emplace_back(*ms);
    }
    if (c.penalty.mutes.empty() && c.penalty.hits > 0) pen.error("mute", "at least one duration when hits > 0");
  }

  if (root.string("mask_char", c.mask_char)) {
    char32_t m = 0;
    if (!single_char(c.mask_char, m)) root.error("mask_char", "expected one character");
  }
  if (root.present() && node["im_types"].IsDefined()) {
    c.im_types = string_list(root, "im_types");
    for (size_t i = 0; i < c.im_types.size(); ++i) {
      static const std::set<std::string> kinds{"text", "custom"};
      if (!kinds.count(c.im_types[i]))
        root.error("im_types[" + std::to_string(i) + "]", "expected text or custom (media bodies are not text), got \"" +
                                                              c.im_types[i] + "\"");
    }
  }
  root.boolean("mqtt", c.mqtt);

  sdk::ConfigSection mod = root.child("moderation");
  mod.allow_keys({"url", "timeout", "on_failure", "workers", "max_queue", "breaker"});
  ModerationConfig& m = c.moderation;
  mod.string("url", m.url);
  if (!m.url.empty() && !m.url.starts_with("http://") && !m.url.starts_with("https://"))
    mod.error("url", "must start with http:// or https://");
  mod.duration("timeout", m.timeout, false);
  mod.choice("on_failure", m.fail_open, {{"allow", true}, {"reject", false}});
  mod.integer("workers", m.workers, 1, 64);
  mod.integer("max_queue", m.max_queue, 1, 1'000'000);
  sdk::parse_circuit_breaker(mod.child("breaker"), m.breaker);
  return c;
}

}  // namespace herald::filter
