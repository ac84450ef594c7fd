// The host-side objects behind the ABI's opaque herald_http_request / herald_http_response: one admin
// API exchange as a route handler sees it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

struct herald_http_request {
  std::string method;
  std::string path;   // decoded
  std::string query;  // raw
  std::string body;
  std::vector<std::pair<std::string, std::string>> path_params;  // {name} -> segment
  std::vector<std::pair<std::string, std::string>> query_params;  // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;       // names lower-cased
};

struct herald_http_response {
  bool set = false;
  uint16_t status = 500;
  std::string content_type;
  std::string body;
};
