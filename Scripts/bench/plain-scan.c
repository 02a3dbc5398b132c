/* The baseline of Scripts/bench.sh: a plain one-core scan that finds the values of the
 * four fields every lock event has ("ts", "event", "agent", "lock") on each line of a
 * JSON-lines file and folds them into a checksum, so none of the work can be skipped.
 *
 * It is what a careful quick tool does, not a validating parser: it walks each line's
 * strings (honouring backslash escapes), treats a string followed by ':' as a key, and
 * reads the value of the four keys it wants; it does not decode escapes, check UTF-8 or
 * JSON grammar, or build anything. Everything else on the line is stepped over.
 *
 *   cc -O2 -o plain-scan plain-scan.c && ./plain-scan FILE
 * prints: lines, lines with all four fields, checksum (on standard error).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* End of the string whose contents start at p (the closing quote), or NULL. */
static const char *string_end(const char *p, const char *end) {
  for (;;) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q) return NULL;
    /* A quote preceded by an odd number of backslashes is escaped. */
    const char *b = q;
    while (b > p && b[-1] == '\\') b--;
    if (((q - b) & 1) == 0) return q;
    p = q + 1;
  }
}

static uint64_t fold(uint64_t h, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
  return h;
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: plain-scan FILE\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  size_t cap = 1 << 22, len = 0;
  char *buf = malloc(cap);
  uint64_t lines = 0, complete = 0, sum = 0xcbf29ce484222325ULL;
  for (;;) {
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    int eof = got == 0;
    char *p = buf, *end = buf + len;
    for (;;) {
      char *nl = memchr(p, '\n', (size_t)(end - p));
      if (!nl) {
        if (!eof) break;
        if (p == end) break;
        nl = end; /* a last line without a newline */
      }
      lines++;
      int found = 0;
      const char *s = p;
      while (s < nl) {
        const char *q = memchr(s, '"', (size_t)(nl - s));
        if (!q) break;
        const char *close = string_end(q + 1, nl);
        if (!close) break;
        const char *after = close + 1;
        while (after < nl && (*after == ' ' || *after == '\t')) after++;
        s = after;
        if (after >= nl || *after != ':') continue; /* a value, not a key */
        size_t klen = (size_t)(close - q - 1);
        int want = (klen == 2 && memcmp(q + 1, "ts", 2) == 0) || (klen == 5 && memcmp(q + 1, "event", 5) == 0) ||
                   (klen == 5 && memcmp(q + 1, "agent", 5) == 0) || (klen == 4 && memcmp(q + 1, "lock", 4) == 0);
        const char *v = after + 1;
        while (v < nl && (*v == ' ' || *v == '\t')) v++;
        if (!want || v >= nl) { s = v; continue; }
        const char *vend;
        if (*v == '"') {
          const char *c = string_end(v + 1, nl);
          if (!c) break;
          sum = fold(sum, v + 1, (size_t)(c - v - 1));
          vend = c + 1;
        } else { /* a number (epoch timestamps) */
          vend = v;
          while (vend < nl && *vend != ',' && *vend != '}') vend++;
          sum = fold(sum, v, (size_t)(vend - v));
        }
        found++;
        s = vend;
      }
      if (found >= 4) complete++;
      p = nl + 1;
      if (nl == end) break;
    }
    if (eof) break;
    len = (size_t)(end - p);
    memmove(buf, p, len);
    if (len == cap) { cap *= 2; buf = realloc(buf, cap); }
  }
  fprintf(stderr, "plain-scan: %llu lines, %llu with the four fields, checksum %016llx\n",
          (unsigned long long)lines, (unsigned long long)complete, (unsigned long long)sum);
  return 0;
}
