// The responders' web page (src/server/web/), compiled into the binary by embed_web.cmake.
#pragma once

#include <string_view>

namespace ab {

struct WebAsset {
  std::string_view path;  // "/ui/index.html", "/ui/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path`, or null.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace ab
