/* vozduxan: the engine's flat C ABI (seed 001), for hosts that are not Node (Rust, C, C++).
 *
 * The same engine the Node addon uses, in its own room (native/capi/), with no N-API inside.
 * Built by CMake as libvozduxan.a and libvozduxan.so (-DVOZDUXAN_CAPI=ON, see README "C ABI").
 *
 * Rules:
 * - Strings: every char array in a struct is a bounded copy, always NUL-terminated (truncated
 *   to fit); every `const char*` argument is read during the call only and may be freed after.
 * - Callbacks: `progress_fn` is invoked only while the call that took it runs, on an engine
 *   thread, and never after that call returns. `log_fn` is invoked on engine threads from
 *   vozduxan_session_create until vozduxan_session_destroy returns, never after. Callbacks
 *   must not call back into vozduxan (they may run under the engine's lock); hand work to
 *   another thread instead.
 * - Threads: every function may be called from any thread, concurrently, on one session,
 *   except vozduxan_session_destroy, which must be the last call on a session (calls still
 *   blocked in it return with VOZDUXAN_CLOSED first).
 * - No C++ exception crosses this boundary: failures are error codes.
 * - Blocking: vozduxan_stream_prepare and vozduxan_list_files block until done, failed or
 *   cancelled; everything else returns at once (release does not join any thread).
 */
#ifndef VOZDUXAN_H
#define VOZDUXAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VOZDUXAN_API __attribute__((visibility("default")))
#else
#define VOZDUXAN_API
#endif

/** Error codes: 0–3 and 99 are the seed's; 4–8 are ours. */
typedef enum VozduxanError {
  VOZDUXAN_OK = 0,
  VOZDUXAN_METADATA_TIMEOUT = 1, /* the magnet's metadata did not arrive in time */
  VOZDUXAN_INVALID_FILE = 2,     /* file_idx out of range */
  VOZDUXAN_BAD_INPUT = 3,        /* no magnet and no torrent data, malformed input */
  VOZDUXAN_CANCELLED = 4,        /* vozduxan_cancel, or a newer main prepare on the torrent */
  VOZDUXAN_BUFFER_TIMEOUT = 5,   /* no data arrived for the prebuffer in time */
  VOZDUXAN_STORAGE_ERROR = 6,    /* the storage path cannot be used */
  VOZDUXAN_CLOSED = 7,           /* the session is being destroyed */
  VOZDUXAN_NOT_FOUND = 8,        /* no stream with this token */
  VOZDUXAN_INTERNAL = 99         /* anything else */
} VozduxanError;

typedef struct VozduxanSession VozduxanSession;
/** A cancellation handle for blocking calls; see vozduxan_cancel_new. */
typedef struct VozduxanCancel VozduxanCancel;

typedef void (*VozduxanLogFn)(const char* message, void* userdata);
/** fraction: 0..1 of the prebuffer; status: what the engine is doing, e.g. "buffering". */
typedef void (*VozduxanProgressFn)(double fraction, const char* status, void* userdata);

typedef struct VozduxanConfig {
  const char* storage_path; /* required: pieces and cached metadata */
  uint64_t cache_max_bytes; /* 0 = 50 GB */
  uint32_t cache_ttl_secs;  /* 0 = 3600 s */
  int listen_port;          /* 0 = the OS picks */
  VozduxanLogFn log_fn;     /* NULL = log lines go to stderr */
  void* log_userdata;       /* passed to log_fn as is */
} VozduxanConfig;

typedef struct VozduxanStreamInfo {
  char url[512];   /* "http://127.0.0.1:PORT/stream/TOKEN" */
  char token[128]; /* identifies the stream in the calls below */
  int64_t file_size;
  char mime_type[64];
  VozduxanError error;
  char error_msg[256];
} VozduxanStreamInfo;

typedef struct VozduxanFileEntry {
  char name[512];
  char mime[64];
  int64_t size;
  int index; /* the file_idx for vozduxan_stream_prepare */
} VozduxanFileEntry;

typedef struct VozduxanFileList {
  VozduxanFileEntry* files; /* owned by the list: free with vozduxan_file_list_free */
  int count;
  VozduxanError error;
  char error_msg[256];
} VozduxanFileList;

typedef struct VozduxanStreamStats {
  int32_t download_rate_bytes; /* bytes per second; 0 for an unknown token */
  int32_t num_peers;
} VozduxanStreamStats;

/**
 * Starts a session (libtorrent, the 127.0.0.1 HTTP server, the engine thread). Returns NULL
 * if config is NULL, storage_path is missing or cannot be created. Its libtorrent defaults
 * suit the internet (DHT, LSD, UPnP, NAT-PMP on); see vozduxan_session_create_loopback.
 */
VOZDUXAN_API VozduxanSession* vozduxan_session_create(const VozduxanConfig* config);
/** Like vozduxan_session_create, but DHT, LSD, UPnP, NAT-PMP and uTP off, on 127.0.0.1 only. */
VOZDUXAN_API VozduxanSession* vozduxan_session_create_loopback(const VozduxanConfig* config);
/** Fails every blocked call with VOZDUXAN_CLOSED, waits for them to return, joins every
 * engine thread, frees the session. NULL is ignored. */
VOZDUXAN_API void vozduxan_session_destroy(VozduxanSession* session);

/**
 * Blocks until the file's prebuffer is verified, then returns its URL and token. magnet may be
 * NULL when torrent_data is given, and torrent_data NULL when magnet is. is_main != 0:
 * playback (cancels other in-flight main prepares on the torrent); 0: a prefetch.
 */
VOZDUXAN_API VozduxanStreamInfo vozduxan_stream_prepare(
    VozduxanSession* session, const char* magnet, const uint8_t* torrent_data, size_t torrent_len,
    int file_idx, int is_main, VozduxanProgressFn progress_fn, void* userdata);
/** vozduxan_stream_prepare that vozduxan_cancel(cancel) ends from another thread (cancel may be
 * NULL). */
VOZDUXAN_API VozduxanStreamInfo vozduxan_stream_prepare_cancellable(
    VozduxanSession* session, const char* magnet, const uint8_t* torrent_data, size_t torrent_len,
    int file_idx, int is_main, VozduxanProgressFn progress_fn, void* userdata,
    VozduxanCancel* cancel);

/** Slides the stream's download window to byte_offset. Non-blocking; unknown tokens ignored. */
VOZDUXAN_API void vozduxan_stream_notify_position(VozduxanSession* session, const char* token,
                                                  int64_t byte_offset);
/** Ends the stream and its in-flight HTTP responses; later requests get 404. Idempotent, cheap. */
VOZDUXAN_API void vozduxan_stream_release(VozduxanSession* session, const char* token);
/** Live rate and peers of a stream; zeros for an unknown token. Non-blocking. */
VOZDUXAN_API VozduxanStreamStats vozduxan_stream_stats(VozduxanSession* session, const char* token);

/** Blocks until the torrent's file list is known (at once for torrent_data). */
VOZDUXAN_API VozduxanFileList vozduxan_list_files(VozduxanSession* session, const char* magnet,
                                                  const uint8_t* torrent_data, size_t torrent_len);
/** vozduxan_list_files that vozduxan_cancel(cancel) ends from another thread. */
VOZDUXAN_API VozduxanFileList vozduxan_list_files_cancellable(VozduxanSession* session,
                                                              const char* magnet,
                                                              const uint8_t* torrent_data,
                                                              size_t torrent_len,
                                                              VozduxanCancel* cancel);
/** Frees list->files and zeroes the list. NULL is ignored; freeing twice is harmless. */
VOZDUXAN_API void vozduxan_file_list_free(VozduxanFileList* list);

/** Removes idle torrents past their TTL, then the oldest idle ones while over the size cap. */
VOZDUXAN_API void vozduxan_session_evict(VozduxanSession* session);
/** The local HTTP server's port (fixed for the session); 0 for NULL. */
VOZDUXAN_API uint16_t vozduxan_session_http_port(VozduxanSession* session);

/** A new cancellation handle (NULL if out of memory). One handle serves one call at a time. */
VOZDUXAN_API VozduxanCancel* vozduxan_cancel_new(void);
/** Ends the blocking call using `cancel` with VOZDUXAN_CANCELLED, now or as soon as it starts;
 * any thread. */
VOZDUXAN_API void vozduxan_cancel(VozduxanCancel* cancel);
/** Frees the handle; it must not be in use by a blocked call. NULL is ignored. */
VOZDUXAN_API void vozduxan_cancel_free(VozduxanCancel* cancel);

/** The stable name of an error code, e.g. "METADATA_TIMEOUT". */
VOZDUXAN_API const char* vozduxan_error_name(VozduxanError error);

#ifdef __cplusplus
}
#endif

#endif /* VOZDUXAN_H */
