/*
 * Docker's json-file log driver: one {"log","stream","time"} object per line of output,
 * with size-based rotation (log -> log.1 -> ... -> log.<max-files - 1>).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"

/* Docker's copier splits lines longer than this into partial messages. */
#define LINE_MAX_BYTES 16384

struct line_buffer {
  char data[LINE_MAX_BYTES];
  size_t len;
};

static struct line_buffer lines[3]; /* indexed by stream (1, 2) */
/* One entry: the escaped line (6 bytes per input byte at worst) and the JSON around it. */
static char entry[LINE_MAX_BYTES * 6 + 128];
static int log_fd = -1;
static long long log_size;

static int open_log_file(void) {
  log_fd = open(cfg.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0) return -1;
  struct stat st;
  log_size = fstat(log_fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

int log_open(void) {
  if (!cfg.log_path) return 0;
  return open_log_file();
}

static void rotated_name(char *out, size_t outlen, int i) {
  if (i == 0)
    snprintf(out, outlen, "%s", cfg.log_path);
  else
    snprintf(out, outlen, "%s.%d", cfg.log_path, i);
}

/*
 * Shift the files by one and start a new, empty log. Rotation is by rename only, so a reader
 * following the log (berth logs -f) notices the new inode and never sees a truncated file.
 */
static void rotate(void) {
  char from[4096 + 16], to[4096 + 16];
  close(log_fd);
  log_fd = -1;
  if (cfg.log_max_files > 1) {
    for (int i = cfg.log_max_files - 1; i >= 1; i--) {
      rotated_name(from, sizeof from, i - 1);
      rotated_name(to, sizeof to, i);
      rename(from, to); /* ENOENT while the set is still filling up */
    }
  } else {
    unlink(cfg.log_path);
  }
  open_log_file();
}

static void write_entry(int stream, const char *line, size_t n) {
  char now[TIME_LEN];
  size_t len = 0;

  if (log_fd < 0 && open_log_file() < 0) return; /* e.g. a failed reopen after rotation */
  now_string(now);
  len += (size_t)snprintf(entry, sizeof entry, "{\"log\":\"");
  len += json_escape(entry + len, line, n);
  len += (size_t)snprintf(entry + len, sizeof entry - len, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                          stream == STREAM_STDERR ? "stderr" : "stdout", now);
  /* Rotate before a write would take the file over the limit (an empty file takes anything). */
  if (cfg.log_max_size > 0 && log_size > 0 && log_size + (long long)len > cfg.log_max_size) {
    rotate();
    if (log_fd < 0) return;
  }
  /* A failed write (disk full) loses this entry, never the container. */
  if (write_all(log_fd, entry, len) == 0) log_size += (long long)len;
}

void log_data(int stream, const char *data, size_t n) {
  struct line_buffer *b = &lines[stream];
  if (!cfg.log_path) return;
  while (n > 0) {
    size_t room = LINE_MAX_BYTES - b->len;
    size_t take = n < room ? n : room;
    const char *nl = memchr(data, '\n', take);
    if (nl) take = (size_t)(nl - data) + 1;
    memcpy(b->data + b->len, data, take);
    b->len += take;
    data += take;
    n -= take;
    /* A complete line, or a full buffer written as a partial line as Docker does. */
    if (nl || b->len == LINE_MAX_BYTES) {
      write_entry(stream, b->data, b->len);
      b->len = 0;
    }
  }
}

void log_flush(int stream) {
  struct line_buffer *b = &lines[stream];
  if (b->len > 0) write_entry(stream, b->data, b->len);
  b->len = 0;
}
