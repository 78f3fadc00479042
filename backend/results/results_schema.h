/* results_schema.h: the migrations that build the results database, version by version. */
#ifndef CLRELU_RESULTS_SCHEMA_H
#define CLRELU_RESULTS_SCHEMA_H

/* results_migrations[v - 1] is the NULL-terminated list of statements that take a database from
 * version v - 1 to version v (each migration runs in one transaction, and sets
 * schema_version.version = v). results_migration_count == CLRELU_RESULTS_SCHEMA_VERSION. */
extern const char *const *const results_migrations[];
extern const int results_migration_count;

#endif
