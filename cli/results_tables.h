/* results_tables.h: `clrelu results` output — the store's JSON documents printed as tables. */
#ifndef CLRELU_RESULTS_TABLES_H
#define CLRELU_RESULTS_TABLES_H

#include <cjson/cJSON.h>
#include <stdio.h>

/* Each prints one document as clrelu_results_* (or the matching /v1/results route) returns it:
 * list {"runs", "next"}, a run {"id", …, "result"}, compare {"a", "b", "cases", …}, history
 * {"points"}, machines {"machines"}. A field that is missing prints as "-". */
void results_print_list(FILE *out, const cJSON *doc);
void results_print_run(FILE *out, const cJSON *doc);
void results_print_compare(FILE *out, const cJSON *doc);
void results_print_history(FILE *out, const cJSON *doc);
void results_print_machines(FILE *out, const cJSON *doc);

#endif
