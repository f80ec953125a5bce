// The web console's files, embedded into the coordinator at build time (cmake/embed_ui.cmake
// writes ui_assets.cpp from coordinator/ui/), so that an installed coordinator needs no path to
// them and serves exactly what was built with it.
#pragma once

#include <string_view>
#include <vector>

namespace photon::coordinator {

struct UiAsset {
  std::string_view name;  // a flat file name: "index.html", "app.js"
  std::string_view bytes;
};

const std::vector<UiAsset>& uiAssets();

}  // namespace photon::coordinator
