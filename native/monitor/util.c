/* Small helpers: timestamps, Go-compatible JSON string escaping, atomic state files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

/*
 * Go's time.RFC3339Nano in UTC, as Docker writes it: trailing zeros of the fraction are
 * dropped (and the dot with them when the fraction is zero).
 */
void format_time(char out[TIME_LEN], const struct timespec *ts) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  size_t n = strftime(out, TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
  if (ts->tv_nsec) {
    char frac[16];
    int len = snprintf(frac, sizeof frac, ".%09ld", ts->tv_nsec);
    while (len > 1 && frac[len - 1] == '0') len--;
    memcpy(out + n, frac, (size_t)len);
    n += (size_t)len;
  }
  out[n++] = 'Z';
  out[n] = 0;
}

void now_string(char out[TIME_LEN]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_time(out, &ts);
}

long long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0; /* overlong */
    if (c == 0xED) hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90; /* overlong */
    if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

/*
 * Escape like Go's encoding/json (HTML-safe): '"' and '\\' with a backslash, \n \r \t short,
 * other control characters and < > & as \u00XX, U+2028/U+2029 as \u2028/\u2029, and each
 * byte of invalid UTF-8 as \ufffd.
 */
size_t json_escape(char *out, const char *in, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)in;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c >= 0x80) {
      size_t len = utf8_len(s + i, n - i);
      if (len == 0) {
        memcpy(out + o, "\\ufffd", 6);
        o += 6;
        i++;
      } else if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
        memcpy(out + o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        o += 6;
        i += 3;
      } else {
        memcpy(out + o, s + i, len);
        o += len;
        i += len;
      }
      continue;
    }
    i++;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\r') {
      out[o++] = '\\';
      out[o++] = 'r';
    } else if (c == '\t') {
      out[o++] = '\\';
      out[o++] = 't';
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      memcpy(out + o, "\\u00", 4);
      out[o + 4] = hex[c >> 4];
      out[o + 5] = hex[c & 15];
      o += 6;
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = 0;
  return o;
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static int write_file(const char *name, const char *data, size_t len, bool sync) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  int fd = openat(state_dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  /* fsync: a reader after a crash sees either the old or the new file, never an empty one. */
  if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
    close(fd);
    unlinkat(state_dirfd, tmp, 0);
    return -1;
  }
  close(fd);
  return renameat(state_dirfd, tmp, state_dirfd, name);
}

int write_state_file(const char *name, const char *data, size_t len) {
  return write_file(name, data, len, true);
}

int write_state_file_nosync(const char *name, const char *data, size_t len) {
  return write_file(name, data, len, false);
}

/* A whole number of units with its fraction (digits places, trailing zeros dropped). */
static int unit_fraction(char *out, size_t outlen, long long v, long long unit, int digits,
                         const char *suffix) {
  char frac[24] = "";
  long long f = v % unit;
  if (f) {
    int len = snprintf(frac, sizeof frac, ".%0*lld", digits, f);
    while (len > 1 && frac[len - 1] == '0') frac[--len] = 0;
  }
  return snprintf(out, outlen, "%lld%s%s", v / unit, frac, suffix);
}

void format_go_duration(char *out, size_t outlen, long long ns) {
  if (ns <= 0) {
    snprintf(out, outlen, ns == 0 ? "0s" : "%lldns", ns);
  } else if (ns < 1000) {
    snprintf(out, outlen, "%lldns", ns);
  } else if (ns < 1000000) {
    unit_fraction(out, outlen, ns, 1000, 3, "\xc2\xb5s" /* µs */);
  } else if (ns < 1000000000) {
    unit_fraction(out, outlen, ns, 1000000, 6, "ms");
  } else {
    long long s = ns / 1000000000;
    int n = 0;
    if (s >= 3600) n = snprintf(out, outlen, "%lldh%lldm", s / 3600, s / 60 % 60);
    else if (s >= 60) n = snprintf(out, outlen, "%lldm", s / 60);
    unit_fraction(out + n, outlen - (size_t)n, ns % 60000000000LL, 1000000000, 9, "s");
  }
}

int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/*
 * sun_path holds 107 characters. A state directory too deep for that is reached through
 * /proc/<pid>/fd/<state_dirfd>, which the kernel resolves to the directory itself.
 */
int state_sock_path(char *out, size_t outlen, const char *name, pid_t via_pid) {
  size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
  int n = snprintf(out, outlen, "%s/%s", cfg.state_dir, name);
  if (n > 0 && (size_t)n < max && (size_t)n < outlen) return 0;
  if (via_pid > 0)
    n = snprintf(out, outlen, "/proc/%d/fd/%d/%s", (int)via_pid, state_dirfd, name);
  else
    n = snprintf(out, outlen, "/proc/self/fd/%d/%s", state_dirfd, name);
  return n > 0 && (size_t)n < max && (size_t)n < outlen ? 0 : -1;
}
