#ifndef ONESOURCE_CSQLITE_SHIM_H
#define ONESOURCE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Swift cannot call C variadic functions; these wrap the few that OneSource needs.
static inline int onesource_sqlite3_config_single_thread(void) {
    return sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}
#endif
