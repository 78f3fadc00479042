/* results_schema.h: the migrations that build the results database, version by version. */
#ifndef CLRELU_RESULTS_SCHEMA_H
#define CLRELU_RESULTS_SCHEMA_H

#include "clrelu_results.h"

/* clr_results_migrations[v - 1] is the NULL-terminated list of statements that take a database from
 * version v - 1 to version v (each migration runs in one transaction, and sets
 * schema_version.version = v). clr_results_migration_count == CLRELU_RESULTS_SCHEMA_VERSION. */
extern const char *const *const clr_results_migrations[];
extern const int clr_results_migration_count;

/* Bring the store's schema to CLRELU_RESULTS_SCHEMA_VERSION (results_migrate.c): each missing
 * version in one write transaction behind the driver's migration lock, with the C step that
 * follows its SQL (v2: the spread and sample count of every stored case, from its run's result).
 * A database newer than this build: CLRELU_ERR_UNSUPPORTED. Called by clrelu_results_open. */
clrelu_status clr_results_migrate(clrelu_results *db);

#endif
