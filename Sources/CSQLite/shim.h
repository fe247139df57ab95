#ifndef ONESOURCE_CSQLITE_SHIM_H
#define ONESOURCE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Swift cannot call C variadic functions; these wrap the few that OneSource needs.
/// Turns off SQLite's memory statistics, whose global mutex is taken on every allocation.
/// Must run before SQLite initialises; returns SQLITE_MISUSE if it is too late (harmless).
static inline int onesource_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
