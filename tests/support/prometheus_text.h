// Fetches /metrics over HTTP (Poco) and parses the Prometheus text format into series -> value.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace herald::test {

inline std::string http_get(const std::string& host_port, const std::string& path, int* status = nullptr) {
  auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host == "0.0.0.0") host = "127.0.0.1";
  Poco::Net::HTTPClientSession session(host, static_cast<Poco::UInt16>(std::stoi(host_port.substr(colon + 1))));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  std::string out;
  Poco::StreamCopier::copyToString(body, out);
  if (status) *status = response.getStatus();
  return out;
}

// "name{a=\"x\",b=\"y\"}" -> value, exactly as exposed (label order as the exporter writes it).
inline std::map<std::string, double> parse_prometheus_text(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) throw std::runtime_error("bad metrics line: " + line);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// Finds the value of the first series whose name matches and whose text contains every label snippet.
inline double metric_value(const std::map<std::string, double>& m, const std::string& name,
                           std::initializer_list<std::string> label_snippets = {}) {
  for (const auto& [series, value] : m) {
    if (series.compare(0, name.size(), name) != 0) continue;
    if (series.size() > name.size() && series[name.size()] != '{') continue;
    bool all = true;
    for (const auto& s : label_snippets) all = all && series.find(s) != std::string::npos;
    if (all) return value;
  }
  return -1;
}

}  // namespace herald::test
