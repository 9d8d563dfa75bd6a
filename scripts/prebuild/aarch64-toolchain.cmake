# Cross-compiling for linux-arm64 inside the bullseye build root (g++-aarch64-linux-gnu 10).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP aarch64-linux-gnu-strip)
# Libraries only from the arm64 sysroot and our own prefixes; Boost is header-only, so its
# headers (and CMake package) may come from the build root's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu ${VOZDUXAN_DEPS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
