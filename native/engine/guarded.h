// Runs work that may throw one item at a time, so one failure never skips the rest: each
// alert of a popped batch, each deferred callback, each step of close().
#pragma once

#include <exception>
#include <string>
#include <utility>

namespace vozduxan {

/// Runs `work`; an exception it throws goes to `onError` with its message, never further.
template <typename Work, typename OnError>
void guarded(Work&& work, OnError&& onError) noexcept {
  try {
    std::forward<Work>(work)();
  } catch (const std::exception& e) {
    try {
      onError(std::string(e.what()));
    } catch (...) {  // a failing log must not end the process
    }
  } catch (...) {
    try {
      onError(std::string("unknown exception"));
    } catch (...) {
    }
  }
}

/// Calls `each(item)` for every item, each guarded on its own.
template <typename Items, typename Each, typename OnError>
void forEachGuarded(Items&& items, Each&& each, OnError&& onError) noexcept {
  for (auto&& item : items) guarded([&] { each(item); }, onError);
}

}  // namespace vozduxan
