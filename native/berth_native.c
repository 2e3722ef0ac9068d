/*
 * berth_native: the few system calls Node.js does not expose (mknod, extended attributes on
 * links, flock, mount, a new network namespace). Plain C against Node-API, synchronous, no dependencies.
 *
 * Failures throw an Error shaped like Node's own fs errors: `code` is the errno name
 * ('EEXIST'), `errno` the negative errno, `syscall`, `path` when there is one, and the message
 * "EEXIST: file already exists, mknod '/x'". Names and wording come from libuv (exported by
 * every Node binary), so they match what node:fs throws for the same errno.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

/* Bail out of the current function (returning NULL to JS) when a napi call fails; a pending
 * exception, if any, propagates to the caller. */
#define CHECK(call)                                                                            \
  do {                                                                                         \
    if ((call) != napi_ok) return NULL;                                                        \
  } while (0)

/* Throws a Node-style system error for `err` (a positive errno). */
static void throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *code = uv_err_name(-err);
  const char *desc = uv_strerror(-err);
  size_t len = strlen(code) + strlen(desc) + strlen(syscall) + (path ? strlen(path) : 0) + 16;
  char *msg = malloc(len);
  if (msg == NULL) {
    napi_throw_error(env, "ENOMEM", "ENOMEM: out of memory");
    return;
  }
  if (path != NULL)
    snprintf(msg, len, "%s: %s, %s '%s'", code, desc, syscall, path);
  else
    snprintf(msg, len, "%s: %s, %s", code, desc, syscall);

  napi_value js_code, js_msg, error, value;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok ||
      napi_create_error(env, js_code, js_msg, &error) != napi_ok) {
    free(msg);
    return;
  }
  free(msg);
  if (napi_create_int32(env, -err, &value) == napi_ok)
    napi_set_named_property(env, error, "errno", value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value) == napi_ok)
    napi_set_named_property(env, error, "syscall", value);
  if (path != NULL && napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value) == napi_ok)
    napi_set_named_property(env, error, "path", value);
  napi_throw(env, error);
}

/* Reads exactly `want` arguments; throws a TypeError when fewer were passed. */
static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return 0;
  }
  return 1;
}

/* Copies a JS string argument into a fresh NUL-terminated buffer (free() it). Rejects
 * non-strings and strings with embedded NUL bytes, which would silently truncate a path. */
static char *get_string(napi_env env, napi_value value, const char *what) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  if (type != napi_string) {
    char msg[128];
    snprintf(msg, sizeof msg, "The \"%s\" argument must be of type string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  size_t len;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
  char *buf = malloc(len + 1);
  if (buf == NULL) {
    napi_throw_error(env, "ENOMEM", "ENOMEM: out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, value, buf, len + 1, &len) != napi_ok) {
    free(buf);
    return NULL;
  }
  if (strlen(buf) != len) {
    char msg[128];
    snprintf(msg, sizeof msg, "The \"%s\" argument must be a string without null bytes", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    free(buf);
    return NULL;
  }
  return buf;
}

/* Reads a non-negative integer argument that fits in 32 bits. */
static int get_uint32(napi_env env, napi_value value, const char *what, uint32_t *out) {
  napi_valuetype type;
  double d;
  char msg[128];
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type != napi_number) {
    snprintf(msg, sizeof msg, "The \"%s\" argument must be of type number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  if (napi_get_value_double(env, value, &d) != napi_ok) return 0;
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    snprintf(msg, sizeof msg, "The \"%s\" argument must be an integer from 0 to 2^32-1", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  *out = (uint32_t)d;
  return 1;
}

/* mknod(path, mode, major, minor): mode carries the type bits (S_IFCHR, S_IFBLK, S_IFIFO…). */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint32_t mode, major, minor;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!get_uint32(env, argv[1], "mode", &mode) || !get_uint32(env, argv[2], "major", &major) ||
      !get_uint32(env, argv[3], "minor", &minor))
    return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  if (mknod(path, (mode_t)mode, makedev(major, minor)) != 0)
    throw_errno(env, errno, "mknod", path);
  free(path);
  return NULL;
}

/* lsetxattr(path, name, value): sets (creating or replacing) an attribute without following a
 * final symlink. `value` is any Uint8Array, Buffers included. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;

  bool is_typed;
  napi_typedarray_type ttype = napi_int8_array;
  void *data = NULL;
  size_t length = 0;
  CHECK(napi_is_typedarray(env, argv[2], &is_typed));
  if (is_typed) CHECK(napi_get_typedarray_info(env, argv[2], &ttype, &length, &data, NULL, NULL));
  if (!is_typed || ttype != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "The \"value\" argument must be a Buffer or Uint8Array");
    return NULL;
  }

  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  char *name = get_string(env, argv[1], "name");
  if (name != NULL) {
    if (lsetxattr(path, name, length ? data : "", length, 0) != 0)
      throw_errno(env, errno, "lsetxattr", path);
    free(name);
  }
  free(path);
  return NULL;
}

/* lremovexattr(path, name): removes an attribute of path itself; a missing one is no error. */
static napi_value js_lremovexattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  char *name = get_string(env, argv[1], "name");
  if (name != NULL) {
    if (lremovexattr(path, name) != 0 && errno != ENODATA)
      throw_errno(env, errno, "lremovexattr", path);
    free(name);
  }
  free(path);
  return NULL;
}

/* lgetxattr(path, name): the attribute's value as a Buffer, or undefined when it is not set. */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  if (!get_args(env, info, 2, argv)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  char *name = get_string(env, argv[1], "name");
  if (name == NULL) {
    free(path);
    return NULL;
  }

  char *buf = NULL;
  for (;;) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0) {
      if (errno == ENODATA)
        napi_get_undefined(env, &result);
      else
        throw_errno(env, errno, "lgetxattr", path);
      break;
    }
    char *grown = realloc(buf, size > 0 ? (size_t)size : 1);
    if (grown == NULL) {
      napi_throw_error(env, "ENOMEM", "ENOMEM: out of memory");
      break;
    }
    buf = grown;
    ssize_t got = lgetxattr(path, name, buf, (size_t)size);
    if (got >= 0) {
      void *copy;
      napi_create_buffer_copy(env, (size_t)got, buf, &copy, &result);
      break;
    }
    if (errno == ERANGE) continue; /* grew between the two calls: ask again */
    if (errno == ENODATA)
      napi_get_undefined(env, &result);
    else
      throw_errno(env, errno, "lgetxattr", path);
    break;
  }
  free(buf);
  free(name);
  free(path);
  return result;
}

/* llistxattr(path): the names of all attributes of path itself (not a symlink's target). */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;

  char *buf = NULL;
  ssize_t got = -1;
  for (;;) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size < 0) break;
    char *grown = realloc(buf, size > 0 ? (size_t)size : 1);
    if (grown == NULL) {
      errno = ENOMEM;
      break;
    }
    buf = grown;
    got = llistxattr(path, buf, (size_t)size);
    if (got >= 0 || errno != ERANGE) break;
  }

  if (got < 0) {
    throw_errno(env, errno, "llistxattr", path);
  } else if (napi_create_array(env, &result) == napi_ok) {
    uint32_t index = 0;
    for (ssize_t at = 0; at < got;) {
      size_t len = strnlen(buf + at, (size_t)(got - at));
      napi_value name;
      if (len > 0) {
        if (napi_create_string_utf8(env, buf + at, len, &name) != napi_ok ||
            napi_set_element(env, result, index++, name) != napi_ok) {
          result = NULL;
          break;
        }
      }
      at += (ssize_t)len + 1;
    }
  }
  free(buf);
  free(path);
  return result;
}

/* flock(fd, op, nonBlocking): op is 'sh', 'ex' or 'un'. Returns false only when nonBlocking is
 * set and another open file description holds a conflicting lock. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  if (!get_args(env, info, 3, argv)) return NULL;
  uint32_t fd;
  bool non_blocking;
  if (!get_uint32(env, argv[0], "fd", &fd)) return NULL;
  if (napi_get_value_bool(env, argv[2], &non_blocking) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "The \"nonBlocking\" argument must be of type boolean");
    return NULL;
  }
  char opname[4] = {0};
  size_t len = 0;
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[1], &type));
  if (type == napi_string) CHECK(napi_get_value_string_utf8(env, argv[1], opname, 4, &len));
  int op;
  if (len == 2 && strcmp(opname, "sh") == 0)
    op = LOCK_SH;
  else if (len == 2 && strcmp(opname, "ex") == 0)
    op = LOCK_EX;
  else if (len == 2 && strcmp(opname, "un") == 0)
    op = LOCK_UN;
  else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "The \"op\" argument must be one of 'sh', 'ex', 'un'");
    return NULL;
  }
  if (non_blocking) op |= LOCK_NB;

  int rc;
  do rc = flock((int)fd, op);
  while (rc != 0 && errno == EINTR);
  if (rc != 0 && non_blocking && errno == EWOULDBLOCK) {
    CHECK(napi_get_boolean(env, false, &result));
    return result;
  }
  if (rc != 0) {
    throw_errno(env, errno, "flock", NULL);
    return NULL;
  }
  CHECK(napi_get_boolean(env, true, &result));
  return result;
}

/* mount(source, target, fstype, flags, data): mount(2). `flags` are MS_* bits; `data` the
 * file-system options string ("" for none). Used for overlay root filesystems and binds. */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint32_t flags;
  if (!get_args(env, info, 5, argv)) return NULL;
  if (!get_uint32(env, argv[3], "flags", &flags)) return NULL;
  char *source = get_string(env, argv[0], "source");
  char *target = source ? get_string(env, argv[1], "target") : NULL;
  char *fstype = target ? get_string(env, argv[2], "fstype") : NULL;
  char *data = fstype ? get_string(env, argv[4], "data") : NULL;
  if (data != NULL &&
      mount(source, target, fstype[0] ? fstype : NULL, (unsigned long)flags, data[0] ? data : NULL) != 0)
    throw_errno(env, errno, "mount", target);
  free(data);
  free(fstype);
  free(target);
  free(source);
  return NULL;
}

/* umount2(target, flags): flags are MNT_DETACH (2), MNT_FORCE (1), UMOUNT_NOFOLLOW (8). */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t flags;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!get_uint32(env, argv[1], "flags", &flags)) return NULL;
  char *target = get_string(env, argv[0], "target");
  if (target == NULL) return NULL;
  if (umount2(target, (int)flags) != 0) throw_errno(env, errno, "umount2", target);
  free(target);
  return NULL;
}

/*
 * netnsCreate(path): a new, empty network namespace kept alive by a bind mount on `path` (a
 * file created here; it must not exist), as `ip netns add` does. Namespaces belong to threads:
 * this thread enters the new one only long enough to pin it, then returns to its own.
 */
static napi_value js_netns_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  const char *syscall = "open";
  int err = 0, self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd = self < 0 ? -1 : open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (self < 0 || fd < 0) {
    err = errno;
  } else {
    close(fd);
    if (unshare(CLONE_NEWNET) != 0) {
      err = errno, syscall = "unshare";
    } else {
      if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) != 0)
        err = errno, syscall = "mount";
      if (setns(self, CLONE_NEWNET) != 0) abort(); /* never run on in the wrong namespace */
    }
    if (err) unlink(path);
  }
  if (self >= 0) close(self);
  if (err) throw_errno(env, err, syscall, path);
  free(path);
  return NULL;
}

/* readdirStats(dir): every entry of dir but . and .., with its lstat, in one call: [names,
 * stats], stats a Float64Array of READDIR_FIELDS numbers per name (see src/sys/native.ts).
 * A walk of thousands of files costs one crossing per directory instead of two per file, and
 * no fs.Stats (with its four Dates) per file. An entry that vanishes meanwhile is left out. */
#define READDIR_FIELDS 12
static napi_value js_readdir_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
  if (dir == NULL) {
    int err = errno;
    if (dfd >= 0) close(dfd);
    throw_errno(env, err, "scandir", path);
    free(path);
    return NULL;
  }
  size_t cap = 64, n = 0;
  double *stats = malloc(cap * READDIR_FIELDS * sizeof(double));
  napi_value names;
  if (stats == NULL) {
    napi_throw_error(env, "ENOMEM", "ENOMEM: out of memory");
    goto done;
  }
  if (napi_create_array(env, &names) != napi_ok) goto done;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(dir);
    if (e == NULL) {
      if (errno != 0) {
        throw_errno(env, errno, "scandir", path);
        goto done;
      }
      break;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw_errno(env, errno, "lstat", path);
      goto done;
    }
    if (n == cap) {
      double *grown = realloc(stats, cap * 2 * READDIR_FIELDS * sizeof(double));
      if (grown == NULL) {
        napi_throw_error(env, "ENOMEM", "ENOMEM: out of memory");
        goto done;
      }
      stats = grown;
      cap *= 2;
    }
    double *f = stats + n * READDIR_FIELDS;
    f[0] = (double)st.st_mode;
    f[1] = (double)st.st_uid;
    f[2] = (double)st.st_gid;
    f[3] = (double)st.st_size;
    f[4] = (double)st.st_dev;
    f[5] = (double)st.st_ino;
    f[6] = (double)st.st_nlink;
    f[7] = (double)st.st_rdev;
    /* milliseconds as node:fs computes them (sec * 1e3 + nsec / 1e6), so the same numbers */
    f[8] = (double)st.st_atim.tv_sec * 1e3 + (double)st.st_atim.tv_nsec / 1e6;
    f[9] = (double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6;
    f[10] = (double)st.st_ctim.tv_sec * 1e3 + (double)st.st_ctim.tv_nsec / 1e6;
    f[11] = (double)st.st_blocks;
    napi_value name;
    if (napi_create_string_utf8(env, e->d_name, NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_set_element(env, names, (uint32_t)n, name) != napi_ok)
      goto done;
    n++;
  }
  {
    napi_value buffer, array;
    void *data;
    if (napi_create_arraybuffer(env, n * READDIR_FIELDS * sizeof(double), &data, &buffer) !=
            napi_ok ||
        napi_create_typedarray(env, napi_float64_array, n * READDIR_FIELDS, buffer, 0, &array) !=
            napi_ok ||
        napi_create_array_with_length(env, 2, &result) != napi_ok) {
      result = NULL;
      goto done;
    }
    if (n > 0) memcpy(data, stats, n * READDIR_FIELDS * sizeof(double));
    if (napi_set_element(env, result, 0, names) != napi_ok ||
        napi_set_element(env, result, 1, array) != napi_ok)
      result = NULL;
  }
done:
  free(stats);
  closedir(dir);
  free(path);
  return result;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"mknod", js_mknod},         {"lsetxattr", js_lsetxattr}, {"lgetxattr", js_lgetxattr},
      {"llistxattr", js_llistxattr}, {"flock", js_flock},         {"mount", js_mount},
      {"umount2", js_umount2},     {"netnsCreate", js_netns_create}, {"readdirStats", js_readdir_stats}, {"lremovexattr", js_lremovexattr},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok)
      return NULL;
  }
  return exports;
}
