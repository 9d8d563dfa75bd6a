// Linked only into the self-contained addon, with -Wl,--wrap for each function below: every
// descriptor the addon's code opens (libtorrent's listen and peer sockets and its files, OpenSSL's
// files, and ours) is close-on-exec, so a child process the host app spawns (child_process, a
// helper that outlives it) never inherits our sockets, ports or files. The flag is set in the
// call itself, never after it: another thread may fork at any moment.
//
// A source build over the system's shared libtorrent cannot do this: libtorrent.so calls libc
// directly. There our own sockets are still close-on-exec (the HTTP server opens them so).
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdarg>
#include <cstring>

extern "C" {

int __real_socket(int domain, int type, int protocol);
int __real_accept(int fd, sockaddr* address, socklen_t* length);
int __real_open(const char* path, int flags, ...);
int __real_open64(const char* path, int flags, ...);
FILE* __real_fopen(const char* path, const char* mode);
FILE* __real_fopen64(const char* path, const char* mode);

int __wrap_socket(int domain, int type, int protocol) {
  return __real_socket(domain, type | SOCK_CLOEXEC, protocol);
}

int __wrap_accept(int fd, sockaddr* address, socklen_t* length) {
  return ::accept4(fd, address, length, SOCK_CLOEXEC);
}

}  // extern "C"

namespace {

/// The mode argument, which open(2) takes only with O_CREAT or O_TMPFILE.
mode_t modeOf(int flags, va_list args) {
  const bool takesMode = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
  return takesMode ? static_cast<mode_t>(va_arg(args, unsigned int)) : 0;
}

/// fopen's mode with glibc's "e" (O_CLOEXEC) added; the original if it does not fit.
const char* withCloexec(const char* mode, char (&buffer)[16]) {
  if (mode == nullptr || std::strchr(mode, 'e') != nullptr) return mode;
  const std::size_t length = std::strlen(mode);
  if (length + 2 > sizeof buffer) return mode;
  std::memcpy(buffer, mode, length);
  buffer[length] = 'e';
  buffer[length + 1] = '\0';
  return buffer;
}

}  // namespace

extern "C" {

int __wrap_open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = modeOf(flags, args);
  va_end(args);
  return __real_open(path, flags | O_CLOEXEC, mode);
}

int __wrap_open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = modeOf(flags, args);
  va_end(args);
  return __real_open64(path, flags | O_CLOEXEC, mode);
}

FILE* __wrap_fopen(const char* path, const char* mode) {
  char buffer[16];
  return __real_fopen(path, withCloexec(mode, buffer));
}

FILE* __wrap_fopen64(const char* path, const char* mode) {
  char buffer[16];
  return __real_fopen64(path, withCloexec(mode, buffer));
}

}  // extern "C"
