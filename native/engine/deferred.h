// Work collected while the session's lock is held and run once it is released, so no
// promise callback or woken reader ever runs under that lock.
#pragma once

#include <functional>
#include <vector>

namespace vozduxan {

using Deferred = std::vector<std::function<void()>>;

}  // namespace vozduxan
