// Engine events to the plain JS objects the TypeScript layer types (lib/events.ts).
#pragma once

#include <napi.h>

#include <vector>

#include "engine/events.h"

namespace vozduxan::binding {

/// An array of `{ type, token, requestId?, at, ...fields }`, in the order they happened.
Napi::Array fromEvents(Napi::Env env, const std::vector<EngineEvent>& events);

}  // namespace vozduxan::binding
