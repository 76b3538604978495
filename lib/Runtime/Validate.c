/*===- Validate.c - checks of files, descriptions and tensors -------------===*
 *
 * See Validate.h. Plain C, no allocation: the library file is read with
 * pread into fixed buffers, a few headers at a time.
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "Validate.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int say(char *why, size_t n, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(why, n, fmt, args);
  va_end(args);
  return 1;
}

int wr_tensor_size(int32_t rank, const int64_t *dims, size_t elem_bytes,
                   int64_t *elements, size_t *bytes, int *bad_dim) {
  uint64_t count = 1, nonzero = 1;
  const uint64_t limit = WHITTLE_MAX_TENSOR_BYTES;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < 0) {
      if (bad_dim)
        *bad_dim = d;
      return 1;
    }
    uint64_t v = (uint64_t)dims[d];
    if (v && nonzero > limit / v)
      return 2;
    if (v)
      nonzero *= v;
    count *= v; /* <= nonzero: cannot overflow */
  }
  uint64_t unit = elem_bytes ? elem_bytes : 1;
  if (nonzero > limit / unit)
    return 2;
  if (elements)
    *elements = (int64_t)count;
  if (bytes)
    *bytes = (size_t)(count * elem_bytes);
  return 0;
}

int wr_empty_tensor_too_wide(int32_t rank, const int64_t *dims, size_t elem_bytes) {
  int empty = 0;
  uint64_t span = elem_bytes ? elem_bytes : 1;
  for (int d = 0; d < rank; ++d) {
    empty |= dims[d] == 0;
    if (dims[d] > 0)
      span = span > UINT64_MAX / (uint64_t)dims[d] ? UINT64_MAX : span * (uint64_t)dims[d];
  }
  if (!empty)
    return 0;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 && span / (uint64_t)page > (uint64_t)pages;
}

/*===----------------------------------------------------------------------===*
 * The library file
 *===----------------------------------------------------------------------===*/

#if defined(__x86_64__)
#define WR_MACHINE EM_X86_64
#define WR_MACHINE_NAME "x86-64"
#elif defined(__aarch64__)
#define WR_MACHINE EM_AARCH64
#define WR_MACHINE_NAME "aarch64"
#endif

static const char *machine_name(unsigned m) {
  switch (m) {
  case EM_X86_64: return "x86-64";
  case EM_AARCH64: return "aarch64";
  case EM_386: return "i386";
  case EM_ARM: return "arm";
  case EM_RISCV: return "riscv";
  default: return "another machine";
  }
}

/* Whether [off, off + len) lies inside a file of `size` bytes. */
static int inside(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 1;
    done += (size_t)n;
  }
  return 0;
}

static int check_headers(int fd, uint64_t size, char *why, size_t n) {
  Elf64_Ehdr eh;
  if (size < sizeof eh || read_at(fd, &eh, sizeof eh, 0) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return say(why, n, "it is not a shared library (no ELF header)");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return say(why, n, "it is not a 64-bit little-endian ELF library");
  if (eh.e_type != ET_DYN)
    return say(why, n, "it is an ELF file but not a shared library");
#ifdef WR_MACHINE
  if (eh.e_machine != WR_MACHINE)
    return say(why, n, "it was built for %s; this runtime runs on " WR_MACHINE_NAME,
               machine_name(eh.e_machine));
#endif
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      !inside(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size))
    return say(why, n, "it is truncated or corrupt: its program headers lie outside "
               "the file (%llu bytes)", (unsigned long long)size);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (read_at(fd, &ph, sizeof ph, eh.e_phoff + (uint64_t)i * sizeof ph))
      return say(why, n, "it cannot be read");
    if (ph.p_type == PT_NULL)
      continue;
    if (!inside(ph.p_offset, ph.p_filesz, size))
      return say(why, n, "it is truncated or corrupt: segment %u ends at byte %llu, the "
                 "file has %llu", i,
                 (unsigned long long)(ph.p_offset + ph.p_filesz), (unsigned long long)size);
    if (ph.p_type == PT_LOAD && ph.p_memsz < ph.p_filesz)
      return say(why, n, "it is corrupt: segment %u is smaller in memory than in the file", i);
  }
  if (eh.e_shoff == 0 && eh.e_shnum == 0)
    return 0;
  if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
      !inside(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), size))
    return say(why, n, "it is truncated or corrupt: its section headers lie outside the "
               "file (%llu bytes)", (unsigned long long)size);
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    if (read_at(fd, &sh, sizeof sh, eh.e_shoff + (uint64_t)i * sizeof sh))
      return say(why, n, "it cannot be read");
    if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
        !inside(sh.sh_offset, sh.sh_size, size))
      return say(why, n, "it is truncated or corrupt: section %u ends at byte %llu, the "
                 "file has %llu", i,
                 (unsigned long long)(sh.sh_offset + sh.sh_size), (unsigned long long)size);
  }
  return 0;
}

int wr_check_library_file(const char *path, char *why, size_t n) {
  struct stat st;
  if (stat(path, &st) != 0)
    return say(why, n, "%s", strerror(errno));
  if (!S_ISREG(st.st_mode))
    return say(why, n, "not a regular file");
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return say(why, n, "%s", strerror(errno));
  /* The size of what was opened, which the checks then read. */
  int rc = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
               ? say(why, n, "not a regular file")
               : check_headers(fd, (uint64_t)st.st_size, why, n);
  close(fd);
  return rc;
}

/*===----------------------------------------------------------------------===*
 * The model's description
 *===----------------------------------------------------------------------===*/

/* More tensors than any real model has; the runtime's arrays stay small. */
enum { WR_MAX_TENSORS = 1 << 16, WR_MAX_NAME = 1 << 16 };

static int check_tensor(const char *kind, int i, const whittle_tensor_info *t,
                        int *any_dynamic, char *why, size_t n) {
  if (!t->name || strnlen(t->name, WR_MAX_NAME) == WR_MAX_NAME)
    return say(why, n, "%s %d has no name", kind, i);
  if (whittle_dtype_size(t->dtype) == 0)
    return say(why, n, "%s %d ('%s') has unknown element type %d", kind, i, t->name,
               (int)t->dtype);
  if (t->rank < 0 || t->rank > WHITTLE_MAX_RANK)
    return say(why, n, "%s %d ('%s') has rank %d (at most %d)", kind, i, t->name,
               (int)t->rank, WHITTLE_MAX_RANK);
  int dynamic = 0;
  int64_t dims[WHITTLE_MAX_RANK];
  for (int d = 0; d < t->rank; ++d) {
    if (t->dims[d] < -1)
      return say(why, n, "%s %d ('%s') has dimension %d of %lld", kind, i, t->name, d,
                 (long long)t->dims[d]);
    dynamic |= t->dims[d] == -1;
    dims[d] = t->dims[d] < 0 ? 0 : t->dims[d];
  }
  *any_dynamic |= dynamic;
  int64_t count = 0;
  if (wr_tensor_size(t->rank, dims, whittle_dtype_size(t->dtype), &count, NULL, NULL))
    return say(why, n, "%s %d ('%s') is larger than memory", kind, i, t->name);
  if (t->num_elements != (dynamic ? -1 : count))
    return say(why, n, "%s %d ('%s') declares %lld elements, its dims hold %lld", kind, i,
               t->name, (long long)t->num_elements, (long long)(dynamic ? -1 : count));
  return 0;
}

int wr_check_model_info(const whittle_model_info *info, char *why, size_t n) {
  if ((!info->run && !info->run_shaped) || !info->target)
    return say(why, n, "no entry point or target");
  if (info->num_inputs < 0 || info->num_inputs > WR_MAX_TENSORS || info->num_outputs < 0 ||
      info->num_outputs > WR_MAX_TENSORS)
    return say(why, n, "%d inputs and %d outputs", (int)info->num_inputs,
               (int)info->num_outputs);
  if ((info->num_inputs && !info->inputs) || (info->num_outputs && !info->outputs))
    return say(why, n, "no tensor table");
  int dynamic = 0;
  for (int i = 0; i < info->num_inputs; ++i)
    if (check_tensor("input", i, &info->inputs[i], &dynamic, why, n))
      return 1;
  for (int i = 0; i < info->num_outputs; ++i)
    if (check_tensor("output", i, &info->outputs[i], &dynamic, why, n))
      return 1;
  if (dynamic && !info->run_shaped)
    return say(why, n, "dynamic dims but no shaped entry point");
  if (!dynamic && !info->run)
    return say(why, n, "static dims but no entry point");
  return 0;
}
