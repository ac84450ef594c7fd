// `herald client`: a scriptable client over the Herald binary protocol (docs/protocol.md Part I).
// Output: one JSON object per line in the IM-over-MQTT inbox format (Part II, section 16), produced
// by herald_im_json. Exit codes: 0 ok, 1 connection failure, 2 usage error or ERROR from the server,
// 3 `tail` timed out before --count entries arrived.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "client/binary_client.h"
#include "herald/binary/identifiers.h"
#include "herald/im_json/im_json.h"

namespace herald::cli {

namespace {

namespace bin = herald::binary;
namespace json = herald::im_json;
namespace hc = herald::client;
using hc::BinaryClient;
using hc::Millis;

constexpr int kExitOk = 0;
constexpr int kExitConnection = 1;
constexpr int kExitError = 2;
constexpr int kExitTimeout = 3;

const char* const kUsage =
    "usage: herald client --connect HOST:PORT --user U [--device D] (--token T | --token-file F)\n"
    "                     [--request-timeout SECONDS] <sub-command> ...\n"
    "  send CONV TEXT [--cmid ID] [--type text|custom --custom-type T]   send a message; prints the ack\n"
    "  tail [--count N] [--timeout SECONDS]      print pushed entries (acked); exit 3 if --count not reached\n"
    "  sync [--since V] [--limit N]              page the timeline until more=false; then a sync_end line\n"
    "  history CONV [--before S | --after S] [--limit N]\n"
    "  read CONV SEQ | recall CONV MSG_ID | delete CONV MSG_ID...\n"
    "  unread [CONV...]\n"
    "  group OP --group G [--name N] [--members a,b] [--role owner|admin|member] [--mute-until MS]\n"
    "           [--offset N] [--limit N]   OP: create dismiss add_members remove_members set_role\n"
    "                                          mute_member mute_all list_members info\n"
    "  room join|leave ROOM [--history N]\n"
    "CONV is a conversation id (c2c:a:b, group:g, room:r) or a peer's user id (the c2c conversation).\n"
    "Output: one JSON object per line (docs/protocol.md section 16). Exit: 0 ok, 1 connection failure,\n"
    "2 usage error or the server's ERROR, 3 tail timeout.\n";

const std::set<std::string> kValueOptions = {
    "connect", "user",   "device", "token",   "token-file", "request-timeout", "cmid",   "type",
    "custom-type", "count", "timeout", "since", "limit",   "before", "after", "group",
    "name",    "members", "role",  "mute-until", "offset", "history",
};

struct UsageError {
  std::string text;
};

struct Parsed {
  std::map<std::string, std::string> opts;
  std::vector<std::string> pos;
  bool help = false;

  bool has(const std::string& key) const { return opts.contains(key); }
  std::string get(const std::string& key, const std::string& fallback = {}) const {
    auto it = opts.find(key);
    return it == opts.end() ? fallback : it->second;
  }
};

Parsed parse_args(const Args& args) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
    } else if (a == "--") {
      p.pos.insert(p.pos.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (a.size() > 2 && a.starts_with("--")) {
      std::string key = a.substr(2), value;
      auto eq = key.find('=');
      if (eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (kValueOptions.contains(key)) {
        if (i + 1 >= args.size()) throw UsageError{"--" + key + " needs a value"};
        value = args[++i];
      }
      if (!kValueOptions.contains(key)) throw UsageError{"unknown option --" + key};
      p.opts[key] = value;
    } else {
      p.pos.push_back(a);
    }
  }
  return p;
}

std::uint64_t parse_u64(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 20) throw UsageError{what + " must be a non-negative integer"};
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw UsageError{what + " must be a non-negative integer, not \"" + text + "\""};
    std::uint64_t next = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != value) throw UsageError{what + " is too large"};
    value = next;
  }
  return value;
}

std::uint32_t parse_u32(const std::string& text, const std::string& what) {
  auto value = parse_u64(text, what);
  if (value > 0xFFFFFFFFu) throw UsageError{what + " is too large"};
  return static_cast<std::uint32_t>(value);
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void emit(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// A conversation id, or a bare user id meaning the c2c conversation with the caller.
bin::ConversationId conversation(const std::string& text, const std::string& user) {
  if (text.find(':') == std::string::npos) {
    auto conv = bin::make_c2c_conversation(bin::UserId{user}, bin::UserId{text});
    if (!conv) throw UsageError{"\"" + text + "\" is neither a conversation id nor another user's id"};
    return *conv;
  }
  if (!bin::is_valid_conversation_id(text)) throw UsageError{"invalid conversation id \"" + text + "\""};
  return bin::ConversationId{text};
}

std::string random_cmid() {
  std::random_device rd;
  std::uint64_t value = (std::uint64_t{rd()} << 32) ^ rd();
  char buf[32];
  std::snprintf(buf, sizeof buf, "cli-%016llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError{"cannot read --token-file " + path};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto end = text.find_last_not_of(" \t\r\n");
  auto begin = text.find_first_not_of(" \t\r\n");
  if (end == std::string::npos) throw UsageError{"--token-file " + path + " is empty"};
  return text.substr(begin, end - begin + 1);
}

std::optional<bin::GroupOp> group_op(std::string name) {
  for (auto& c : name)
    if (c == '-') c = '_';
  static const std::map<std::string, bin::GroupOp> ops{
      {"create", bin::GroupOp::kCreate},           {"dismiss", bin::GroupOp::kDismiss},
      {"add_members", bin::GroupOp::kAddMembers},  {"remove_members", bin::GroupOp::kRemoveMembers},
      {"set_role", bin::GroupOp::kSetRole},        {"mute_member", bin::GroupOp::kMuteMember},
      {"mute_all", bin::GroupOp::kMuteAll},        {"list_members", bin::GroupOp::kListMembers},
      {"info", bin::GroupOp::kInfo},
  };
  auto it = ops.find(name);
  if (it == ops.end()) return std::nullopt;
  return it->second;
}

// One request: what to send and how its response is labelled in the output.
struct Request {
  bin::FrameBody body;
  json::ReplyContext context;
};

Request build_request(const std::string& sub, const std::vector<std::string>& pos, const Parsed& p,
                      const std::string& user) {
  auto need = [&](std::size_t min, const char* form) {
    if (pos.size() < min) throw UsageError{std::string("usage: herald client ... ") + form};
  };
  Request r;
  if (sub == "send") {
    need(2, "send CONV TEXT [--cmid ID] [--type text|custom --custom-type T]");
    if (pos.size() > 2) throw UsageError{"send takes one TEXT argument (quote it)"};
    bin::SendFrame send;
    send.conv = conversation(pos[0], user);
    send.cmid.value = p.get("cmid", random_cmid());
    std::string type = p.get("type", "text");
    if (type == "text") {
      send.kind = bin::MessageKind::kText;
      if (p.has("custom-type")) throw UsageError{"--custom-type needs --type custom"};
    } else if (type == "custom") {
      send.kind = bin::MessageKind::kCustom;
      send.custom_type = p.get("custom-type");
      if (send.custom_type.empty()) throw UsageError{"--type custom needs --custom-type T"};
    } else {
      throw UsageError{"--type must be text or custom"};
    }
    send.body.assign(pos[1].begin(), pos[1].end());
    std::string_view conv = send.conv.value;
    r.context.cmid = send.cmid.value;
    r.context.conv = send.conv.value;
    r.context.op = "send/" + std::string(conv.substr(0, conv.find(':')));
    r.body = std::move(send);
  } else if (sub == "history") {
    need(1, "history CONV [--before S | --after S] [--limit N]");
    if (p.has("before") && p.has("after")) throw UsageError{"give --before or --after, not both"};
    bin::HistoryRequestFrame h;
    h.conv = conversation(pos[0], user);
    if (p.has("before")) h.before_seq = parse_u64(p.get("before"), "--before");
    if (p.has("after")) h.after_seq = parse_u64(p.get("after"), "--after");
    if (p.has("limit")) h.limit = parse_u32(p.get("limit"), "--limit");
    r.context.conv = h.conv.value;
    r.context.op = "history";
    r.body = std::move(h);
  } else if (sub == "read") {
    need(2, "read CONV SEQ");
    bin::ReadFrame f{conversation(pos[0], user), parse_u64(pos[1], "SEQ")};
    r.context.conv = f.conv.value;
    r.context.op = "read";
    r.body = std::move(f);
  } else if (sub == "recall") {
    need(2, "recall CONV MSG_ID");
    bin::RecallFrame f{conversation(pos[0], user), parse_u64(pos[1], "MSG_ID")};
    r.context.conv = f.conv.value;
    r.context.op = "recall";
    r.body = std::move(f);
  } else if (sub == "delete") {
    need(2, "delete CONV MSG_ID...");
    bin::DeleteFrame f;
    f.conv = conversation(pos[0], user);
    for (std::size_t i = 1; i < pos.size(); ++i) f.msg_ids.push_back(parse_u64(pos[i], "MSG_ID"));
    r.context.conv = f.conv.value;
    r.context.op = "delete";
    r.body = std::move(f);
  } else if (sub == "unread") {
    bin::UnreadRequestFrame f;
    for (const auto& conv : pos) f.convs.push_back(conversation(conv, user));
    r.context.op = "unread";
    r.body = std::move(f);
  } else if (sub == "group") {
    need(1, "group OP --group G [--name N] [--members a,b] [--role R] [--mute-until MS] [--offset N] [--limit N]");
    auto op = group_op(pos[0]);
    if (!op) throw UsageError{"unknown group operation \"" + pos[0] + "\""};
    bin::GroupOpFrame g;
    g.op = *op;
    g.group.value = p.get("group");
    if (g.group.value.starts_with("group:")) g.group.value = g.group.value.substr(6);
    if (g.group.empty() && g.op != bin::GroupOp::kCreate) throw UsageError{"group " + pos[0] + " needs --group G"};
    g.name = p.get("name");
    for (auto& m : split_commas(p.get("members"))) g.members.push_back(bin::UserId{m});
    if (p.has("role")) {
      std::string role = p.get("role");
      if (role == "owner") g.role = bin::GroupRole::kOwner;
      else if (role == "admin") g.role = bin::GroupRole::kAdmin;
      else if (role == "member") g.role = bin::GroupRole::kMember;
      else throw UsageError{"--role must be owner, admin or member"};
    }
    if (p.has("mute-until")) g.mute_until_ms = parse_u64(p.get("mute-until"), "--mute-until");
    if (p.has("offset")) g.offset = parse_u32(p.get("offset"), "--offset");
    if (p.has("limit")) g.limit = parse_u32(p.get("limit"), "--limit");
    std::string op_name = pos[0];
    for (auto& c : op_name)
      if (c == '-') c = '_';
    r.context.op = "group/" + op_name;
    r.body = std::move(g);
  } else if (sub == "room") {
    need(2, "room join|leave ROOM [--history N]");
    bin::RoomOpFrame f;
    if (pos[0] == "join") f.op = bin::RoomOp::kJoin;
    else if (pos[0] == "leave") f.op = bin::RoomOp::kLeave;
    else throw UsageError{"room takes join or leave"};
    f.room.value = pos[1].starts_with("room:") ? pos[1].substr(5) : pos[1];
    if (p.has("history")) f.history_limit = parse_u32(p.get("history"), "--history");
    r.context.conv = "room:" + f.room.value;
    r.context.op = "room/" + pos[0];
    r.body = std::move(f);
  } else {
    throw UsageError{"unknown sub-command \"" + sub + "\""};
  }
  r.context.topic = "$im/" + r.context.op;
  return r;
}

// Prints the response's inbox lines; an ERROR also gets a human line on stderr.
int print_response(const bin::Frame& reply, const json::ReplyContext& context) {
  auto lines = json::inbox_entries(reply.body, context);
  if (lines.empty()) {
    std::fprintf(stderr, "herald client: unexpected %s in answer to %s\n",
                 bin::frame_type_name(bin::frame_type(reply.body)), context.op.c_str());
    return kExitConnection;
  }
  for (const auto& line : lines) emit(line);
  if (const auto* err = std::get_if<bin::ErrorFrame>(&reply.body)) {
    std::string text = err->text.empty() ? std::string(json::reason_text(err->code)) : err->text;
    std::fprintf(stderr, "herald client: %s refused: %s (code 0x%04x)\n", context.op.c_str(), text.c_str(),
                 static_cast<unsigned>(err->code));
    if (err->retry_after_ms != 0) std::fprintf(stderr, "herald client: retry after %u ms\n", err->retry_after_ms);
    return kExitError;
  }
  return kExitOk;
}

int run_tail(BinaryClient& conn, const Parsed& p) {
  std::uint64_t count = p.has("count") ? parse_u64(p.get("count"), "--count") : 0;
  std::optional<hc::Clock::time_point> deadline;
  if (p.has("timeout")) deadline = hc::Clock::now() + std::chrono::seconds(parse_u64(p.get("timeout"), "--timeout"));
  std::uint64_t printed = 0;
  for (;;) {
    if (count != 0 && printed >= count) return kExitOk;
    Millis wait(3600 * 1000);
    if (deadline) {
      auto left = std::chrono::ceil<Millis>(*deadline - hc::Clock::now());
      if (left.count() <= 0) return count != 0 ? kExitTimeout : kExitOk;
      wait = std::min(wait, left);
    }
    auto push = conn.next_push(wait, count != 0 ? static_cast<std::size_t>(count - printed) : 0);
    if (!push) continue;
    for (const auto& entry : push->entries) {
      emit(json::entry_json(entry));
      ++printed;
    }
  }
}

int run_sync(BinaryClient& conn, const Parsed& p, Millis timeout) {
  bin::Version since = p.has("since") ? parse_u64(p.get("since"), "--since") : 0;
  std::uint32_t limit = p.has("limit") ? parse_u32(p.get("limit"), "--limit") : 0;
  json::ReplyContext context;
  context.op = "sync";
  context.topic = "$im/sync";
  auto error = conn.sync(
      since, limit,
      [&](const bin::SyncPageFrame& page) {
        auto lines = json::inbox_entries(page, context);
        // Every page ends with a sync_end entry; only the last page's is printed (and any page's
        // that reports a broken chain, so its recent_convs are not lost).
        if (page.more && !page.chain_broken && !lines.empty()) lines.pop_back();
        for (const auto& line : lines) emit(line);
      },
      timeout);
  if (error) return print_response(*error, context);
  return kExitOk;
}

}  // namespace

int client_command(const Args& args) {
  Parsed p;
  try {
    p = parse_args(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "herald client: %s\n%s", e.text.c_str(), kUsage);
    return kExitError;
  }
  if (p.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  hc::ClientOptions options;
  std::optional<Request> single;
  std::string sub;
  Millis request_timeout(10000);
  try {
    if (!p.has("connect") || !hc::parse_host_port(p.get("connect"), options.host, options.port))
      throw UsageError{"--connect HOST:PORT is required (e.g. 127.0.0.1:7100 or [::1]:7100)"};
    options.user = p.get("user");
    if (options.user.empty()) throw UsageError{"--user U is required"};
    if (!bin::is_valid_user_id(options.user)) throw UsageError{"invalid user id \"" + options.user + "\""};
    options.device = p.get("device", "cli");
    if (!bin::is_valid_device_id(options.device)) throw UsageError{"invalid device id \"" + options.device + "\""};
    if (p.has("token") == p.has("token-file")) throw UsageError{"give exactly one of --token T and --token-file F"};
    options.token = p.has("token") ? p.get("token") : read_token_file(p.get("token-file"));
    if (p.has("request-timeout"))
      request_timeout = Millis(parse_u64(p.get("request-timeout"), "--request-timeout") * 1000);
    options.connect_timeout = request_timeout;
    if (p.pos.empty()) throw UsageError{"a sub-command is required"};
    sub = p.pos[0];
    std::vector<std::string> rest(p.pos.begin() + 1, p.pos.end());
    if (sub == "tail" || sub == "sync") {
      if (!rest.empty()) throw UsageError{sub + " takes no arguments"};
      // Check the numbers before connecting.
      for (const char* key : {"count", "timeout", "since", "limit"})
        if (p.has(key)) parse_u64(p.get(key), std::string("--") + key);
    } else {
      single = build_request(sub, rest, p, options.user);
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "herald client: %s\n(herald client --help lists the sub-commands and options)\n",
                 e.text.c_str());
    return kExitError;
  }

  BinaryClient conn(options);
  try {
    conn.connect();
    int code = kExitOk;
    if (sub == "tail") {
      code = run_tail(conn, p);
    } else if (sub == "sync") {
      code = run_sync(conn, p, request_timeout);
    } else {
      code = print_response(conn.request(single->body, request_timeout), single->context);
    }
    conn.disconnect();
    return code;
  } catch (const hc::ConnectRefused& e) {
    json::ReplyContext context;
    context.op = "connect";
    emit(json::error_entry(e.code(), e.text(), context));
    std::string text = e.text().empty() ? std::string(json::reason_text(e.code())) : e.text();
    std::fprintf(stderr, "herald client: connect refused by %s:%u: %s (code 0x%04x)\n", options.host.c_str(),
                 static_cast<unsigned>(options.port), text.c_str(), static_cast<unsigned>(e.code()));
    return kExitError;
  } catch (const hc::ConnectionError& e) {
    std::fprintf(stderr, "herald client: %s\n", e.what());
    return kExitConnection;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "herald client: %s\n", e.what());
    return kExitError;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "herald client: %s\n", e.text.c_str());
    return kExitError;
  }
}

}  // namespace herald::cli
