// keyword_router: an example plugin built out of tree against the installed herald-dev package. Its
// stage marks a message whose text contains one of its keywords (any case) with <header>: <route>, so a
// later stage or bridge can send it on, e.g. "refund" and "invoice" to the billing desk.
#include <herald/sdk.hpp>

#include <algorithm>
#include <cctype>

namespace {
using namespace herald::sdk;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

class RouterPlugin : public Plugin {
 public:
  RouterPlugin(Host host, const Config&) : Plugin(host) {}
};

class RouterStage : public Stage {
 public:
  RouterStage(RouterPlugin& plugin, const Config& config)
      : header_(config.string("header")), route_(config.string("route")),
        routed_(plugin.host().counter("herald_keyword_routed_total", "Messages the keyword router marked.",
                                      {{"route", route_}})) {
    for (const auto& word : config["keywords"]) keywords_.push_back(lower(word.as<std::string>()));
  }

  static void validate(const Config& config, Errors& errors) {
    auto words = config["keywords"];
    if (!words.IsSequence() || words.size() == 0) errors.add("keywords", "expected a non-empty list of words");
    if (config.string("route").empty()) errors.add("route", "must not be empty");
  }

  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    std::string text = lower(env.payload());
    for (const auto& word : keywords_) {
      if (text.find(word) == std::string::npos) continue;
      env.set(header_, route_);
      routed_.add();
      break;
    }
    return Verdict::kContinue;
  }

 private:
  std::string header_, route_;
  std::vector<std::string> keywords_;
  Metric routed_;
};

PluginSpec<RouterPlugin> spec() {
  return PluginSpec<RouterPlugin>("keyword_router", "1.0.0", "Marks messages that mention a keyword")
      .stage<RouterStage>("keyword_router", "sets <header> to <route> when the text has one of <keywords>",
                          {required_key("keywords", HERALD_CONFIG_LIST, "words to look for, any case"),
                           required_key("route", HERALD_CONFIG_STRING, "value of the header when one matches"),
                           key("header", HERALD_CONFIG_STRING, "x-route", "header to set")});
}
}  // namespace

HERALD_PLUGIN(RouterPlugin, spec)
