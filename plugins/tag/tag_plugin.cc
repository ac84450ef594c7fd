// tag: the smallest useful plugin. Its stage sets a header on every envelope, which lets pipelines
// mark traffic (e.g. by listener) and serves as the reference for plugin authors.
#include <herald/sdk.hpp>

namespace {

using herald::sdk::Config;
using herald::sdk::StageCall;
using herald::sdk::Verdict;

class TagPlugin : public herald::sdk::Plugin {
 public:
  TagPlugin(herald::sdk::Host host, const Config& config)
      : Plugin(host), overwrite_(config.boolean("overwrite")) {}
  bool reconfigure(const Config& config) override {
    overwrite_ = config.boolean("overwrite");
    return true;
  }
  bool overwrite() const { return overwrite_; }

 private:
  std::atomic<bool> overwrite_;
};

class TagStage : public herald::sdk::Stage {
 public:
  TagStage(TagPlugin& plugin, const Config& config)
      : plugin_(plugin), header_(config.string("header")), value_(config.string("value")),
        tagged_(plugin.host().counter("herald_tag_tagged_total", "Envelopes the tag stage marked.",
                                      {{"header", header_}})) {}

  static void validate(const Config& config, herald::sdk::Errors& errors) {
    std::string header = config.string("header");
    if (header.empty()) errors.add("header", "must not be empty");
    if (!header.empty() && header[0] == ':') errors.add("header", "names starting with ':' are reserved for Herald's fields");
  }

  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    if (!plugin_.overwrite() && env.get(header_)) return Verdict::kContinue;
    env.set(header_, value_);
    tagged_.add();
    return Verdict::kContinue;
  }

 private:
  TagPlugin& plugin_;
  std::string header_;
  std::string value_;
  herald::sdk::Metric tagged_;
};

herald::sdk::PluginSpec<TagPlugin> spec() {
  using herald::sdk::key;
  using herald::sdk::required_key;
  return herald::sdk::PluginSpec<TagPlugin>("tag", "1.0.0", "Sets a header on every envelope")
      .keys({key("overwrite", HERALD_CONFIG_BOOLEAN, "true", "replace a header the envelope already has")})
      .stage<TagStage>("tag", "sets header <header> to <value>",
                       {required_key("header", HERALD_CONFIG_STRING, "header name to set"),
                        key("value", HERALD_CONFIG_STRING, "\"tagged\"", "value to set")});
}

}  // namespace

HERALD_PLUGIN(TagPlugin, spec)
