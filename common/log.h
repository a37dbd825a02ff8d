/* log.h - one line per event on stderr, OpenBSD httpd's verbs.
 *
 *   log_info("migration claimed mig=%d host=%s", id, host);
 *
 * Messages are short and lowercase, followed by key=value pairs.  log_warn()
 * appends strerror(errno); log_warnx() does not.  fatal()/fatalx() log and
 * exit(1).  Lines are written with a single write(2), so threads never
 * interleave within a line.  Control characters in a message (below 0x20,
 * and DEL) are written as \xNN: whatever a client sends, one event is one
 * line and no one can forge another.
 */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_WARN = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

/* Set the program name shown on each line and the most verbose level. */
void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
