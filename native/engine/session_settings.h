// libtorrent settings: our streaming defaults, then the caller's by settings_pack name.
#pragma once

#include <libtorrent/settings_pack.hpp>

#include "engine/config.h"

namespace vozduxan {

/// Throws EngineError(BadInput) for an unknown name or a value of the wrong type.
lt::settings_pack buildSettings(const SessionConfig& config);

}  // namespace vozduxan
