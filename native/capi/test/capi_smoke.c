/* The C ABI from C, against loopback seeders (driven by test/capi.test.ts). Prints one
 * "key value" line per check; the test asserts them. Usage:
 *   capi_smoke STORAGE MAGNET TORRENT_FILE FILE_INDEX OUT_FILE DEAD_MAGNET */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vozduxan.h"

static atomic_int log_lines;
static atomic_int progress_calls;
static atomic_int late_progress; /* progress after its prepare returned: must stay 0 */
static atomic_int prepare_returned;

static void on_log(const char* message, void* userdata) {
  (void)message;
  (void)userdata;
  atomic_fetch_add(&log_lines, 1);
}

static void on_progress(double fraction, const char* status, void* userdata) {
  (void)fraction;
  (void)status;
  (void)userdata;
  atomic_fetch_add(&progress_calls, 1);
  if (atomic_load(&prepare_returned)) atomic_fetch_add(&late_progress, 1);
}

static unsigned char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* data = malloc((size_t)size);
  *len = fread(data, 1, (size_t)size, f);
  fclose(f);
  return data;
}

/* GET url's path from 127.0.0.1:port; writes the body to out (if given). Returns the status. */
static int http_get(uint16_t port, const char* url, const char* out, long* body_bytes) {
  const char* path = strstr(url, "/stream/");
  if (!path) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) return -1;
  char request[512];
  int n =
      snprintf(request, sizeof request,
               "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", path, port);
  if (write(fd, request, (size_t)n) != n) return -1;
  size_t cap = 1 << 20, len = 0;
  char* buf = malloc(cap);
  ssize_t got;
  while ((got = read(fd, buf + len, cap - len)) > 0) {
    len += (size_t)got;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  close(fd);
  int status = 0;
  sscanf(buf, "HTTP/1.1 %d", &status);
  char* body = memmem(buf, len, "\r\n\r\n", 4);
  *body_bytes = body ? (long)(len - (size_t)(body + 4 - buf)) : -1;
  if (out && body) {
    FILE* f = fopen(out, "wb");
    fwrite(body + 4, 1, (size_t)*body_bytes, f);
    fclose(f);
  }
  free(buf);
  return status;
}

struct cancel_job {
  VozduxanSession* session;
  const char* magnet;
  VozduxanCancel* cancel;
  VozduxanError result;
};

static void* prepare_dead(void* arg) {
  struct cancel_job* job = arg;
  VozduxanStreamInfo info = vozduxan_stream_prepare_cancellable(job->session, job->magnet, NULL, 0,
                                                                0, 1, NULL, NULL, job->cancel);
  job->result = info.error;
  return NULL;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: capi_smoke STORAGE MAGNET TORRENT INDEX OUT DEAD_MAGNET\n");
    return 2;
  }
  const char *magnet = argv[2], *dead = argv[6];
  int index = atoi(argv[4]);
  size_t torrent_len = 0;
  unsigned char* torrent = read_file(argv[3], &torrent_len);

  VozduxanConfig config = {.storage_path = argv[1], .log_fn = on_log};
  printf("create_null %s\n", vozduxan_session_create_loopback(NULL) ? "session" : "NULL");
  VozduxanSession* session = vozduxan_session_create_loopback(&config);
  if (!session) return 1;
  printf("http_port %u\n", vozduxan_session_http_port(session));

  VozduxanFileList list = vozduxan_list_files(session, magnet, NULL, 0);
  printf("list %s %d\n", vozduxan_error_name(list.error), list.count);
  for (int i = 0; i < list.count; i++)
    printf("file %d %lld %s\n", list.files[i].index, (long long)list.files[i].size,
           list.files[i].name);
  vozduxan_file_list_free(&list);
  vozduxan_file_list_free(&list); /* twice is harmless */

  VozduxanFileList none = vozduxan_list_files(session, NULL, NULL, 0);
  printf("bad_neither %s\n", vozduxan_error_name(none.error));
  VozduxanFileList garbage = vozduxan_list_files(session, "not a magnet", NULL, 0);
  printf("bad_magnet %s\n", vozduxan_error_name(garbage.error));
  VozduxanStreamInfo out_of_range =
      vozduxan_stream_prepare(session, NULL, torrent, torrent_len, 9999, 1, NULL, NULL);
  printf("bad_index %s\n", vozduxan_error_name(out_of_range.error));
  VozduxanStreamStats unknown = vozduxan_stream_stats(session, "no-such-token");
  printf("stats_unknown %d %d\n", unknown.download_rate_bytes, unknown.num_peers);

  VozduxanStreamInfo info =
      vozduxan_stream_prepare(session, magnet, torrent, torrent_len, index, 1, on_progress, NULL);
  atomic_store(&prepare_returned, 1);
  printf("prepare %s %lld %s\n", vozduxan_error_name(info.error), (long long)info.file_size,
         info.mime_type);
  if (info.error != VOZDUXAN_OK) {
    printf("prepare_error %s\n", info.error_msg);
    return 1;
  }
  long bytes = 0;
  printf("get %d\n", http_get(vozduxan_session_http_port(session), info.url, argv[5], &bytes));
  printf("get_bytes %ld\n", bytes);
  vozduxan_stream_notify_position(session, info.token, info.file_size / 2);
  VozduxanStreamStats stats = vozduxan_stream_stats(session, info.token);
  printf("stats_peers %d\n", stats.num_peers);

  double before = now_ms();
  vozduxan_stream_release(session, info.token);
  printf("release_ms %.3f\n", now_ms() - before);
  vozduxan_stream_release(session, info.token); /* idempotent */
  printf("get_released %d\n",
         http_get(vozduxan_session_http_port(session), info.url, NULL, &bytes));
  vozduxan_session_evict(session);

  struct cancel_job job = {session, dead, vozduxan_cancel_new(), VOZDUXAN_OK};
  pthread_t thread;
  pthread_create(&thread, NULL, prepare_dead, &job);
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL); /* usually inside the wait by now; either way the result is CANCELLED */
  vozduxan_cancel(job.cancel);
  pthread_join(thread, NULL);
  printf("cancelled %s\n", vozduxan_error_name(job.result));
  vozduxan_cancel_free(job.cancel);

  vozduxan_session_destroy(session);
  printf("late_progress %d\n", atomic_load(&late_progress));
  printf("progress_calls %d\n", atomic_load(&progress_calls));
  printf("log_lines %d\n", atomic_load(&log_lines));
  free(torrent);
  printf("done\n");
  return 0;
}
