/* cmd_results.c: `clrelu results list | show | compare | history | machines` — stored runs from a database or a server. */
#include "cli_util.h"
#include "commands.h"
#include "http_get.h"
#include "results_tables.h"

#include "clrelu_bench.h"
#include "clrelu_results.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clrelu results SUBCOMMAND [OPTIONS]\n\n"
            "Benchmark runs kept in a results database (clrelu bench --results-db, clrelu serve):\n\n"
            "  list                 runs, newest first (filters below; --limit N, --cursor C for the next page)\n"
            "  show ID              one run: its machine, labels, devices and cases\n"
            "  compare A B          two runs case by case (device x op x dtype x direction x placement x size)\n"
            "                       with a verdict per case: SAME, FASTER or SLOWER (the rule is printed);\n"
            "                       A or B may be a file of `clrelu bench --json` (then no store is needed)\n"
            "  history              one case over time (--op, --dtype, --elements required), each point with its\n"
            "                       verdict against the one before\n"
            "  machines             the machines that stored runs or run a daemon, with their devices\n\n"
            "Where the runs are (one of):\n"
            "  --results-db URL     sqlite:PATH or postgresql://… (default $CLRELU_RESULTS_DB)\n"
            "  --server URL         a clrelu server, http://HOST:PORT (its GET /v1/results routes)\n"
            "  --api-key KEY        sent as Authorization: Bearer KEY to --server\n\n"
            "Filters (list; history takes the case's own):\n"
            "  --machine M          machine id or hostname      --device D     device id (or part of its name)\n"
            "  --op OP  --dtype T   --label KEY=VALUE           --job ID\n"
            "  --min-elements N  --max-elements N  --elements N (history: the case's size; 1K = 1024)\n"
            "  --direction forward|backward  --placement out|in  (history; default forward, out)\n"
            "  --since T  --until T run time: Unix milliseconds or YYYY-MM-DD[THH:MM[:SS]] (UTC)\n\n"
            "Output:\n"
            "  --json               the JSON document as the store or the server returns it\n"
            "  --fail-on-regression compare: exit 1 when any case is SLOWER (for CI)\n\n"
            "Exit status: 0, 1 on an error (or a regression with --fail-on-regression), 2 for bad options.\n");
}

/* Where the runs come from: an open store, or a server's base URL. */
typedef struct {
    clrelu_results *db;
    const char *server, *api_key;
} source;

/* Every option of every subcommand (each applies where it makes sense). */
typedef struct {
    const char *sub, *pos[2];
    int n_pos;
    const char *db_url, *server, *api_key;
    bool json, fail_on_regression;
    const char *machine, *device, *op, *dtype, *label, *job, *direction, *placement, *cursor;
    const char *min_elements, *max_elements, *elements, *since, *until, *limit;
} args;

static int parse_args(int argc, char **argv, args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return -1;
        }
        if (!strcmp(argv[i], "--json")) {
            a->json = true;
            continue;
        }
        if (!strcmp(argv[i], "--fail-on-regression")) {
            a->fail_on_regression = true;
            continue;
        }
        static const struct {
            const char *name;
            size_t off;
        } opts[] = {
#define OPT(n, f) {n, offsetof(args, f)}
            OPT("--results-db", db_url),     OPT("--server", server),       OPT("--api-key", api_key),
            OPT("--machine", machine),       OPT("--device", device),       OPT("--op", op),
            OPT("--dtype", dtype),           OPT("--label", label),         OPT("--job", job),
            OPT("--direction", direction),   OPT("--placement", placement), OPT("--cursor", cursor),
            OPT("--min-elements", min_elements), OPT("--max-elements", max_elements),
            OPT("--elements", elements),     OPT("--since", since),         OPT("--until", until),
            OPT("--limit", limit),
#undef OPT
        };
        bool matched = false;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0] && !matched; k++) {
            if ((m = cli_option("results", argc, argv, &i, opts[k].name, &v)) < 0)
                return CLI_EXIT_USAGE;
            if (m > 0) {
                *(const char **)((char *)a + opts[k].off) = v;
                matched = true;
            }
        }
        if (matched)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("results", "unknown option '%s' (see clrelu results --help)", argv[i]);
            return CLI_EXIT_USAGE;
        }
        if (!a->sub)
            a->sub = argv[i];
        else if (a->n_pos < 2)
            a->pos[a->n_pos++] = argv[i];
        else {
            cli_error("results", "unexpected argument '%s'", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* An element count: "4096", "1K", "16M" (binary multiples); byte units are refused here. */
static bool parse_elements(const char *s, uint64_t *out)
{
    clrelu_bench_size *v = NULL;
    int n = 0;
    bool ok = clrelu_bench_parse_sizes(s, &v, &n) == CLRELU_OK && n == 1 && !v[0].bytes;
    if (ok)
        *out = v[0].value;
    free(v);
    return ok;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* A time: Unix milliseconds, or an ISO date with an optional time of day, in UTC. */
static bool parse_time_ms(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end != s && !*end && strchr("0123456789", *s)) {
        *out = v;
        return true;
    }
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
    int got = sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n);
    if (got != 3 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    const char *rest = s + n;
    if (*rest == 'T' || *rest == ' ') {
        int n2 = 0;
        if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &n2) != 2)
            return false;
        rest += 1 + n2;
        if (*rest == ':') {
            if (sscanf(rest + 1, "%2d%n", &sec, &n2) != 1)
                return false;
            rest += 1 + n2;
        }
    }
    if (*rest == 'Z')
        rest++;
    if (*rest || h > 23 || mi > 59 || sec > 60)
        return false;
    long long days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = (uint64_t)((days * 86400 + h * 3600 + mi * 60 + sec) * 1000LL);
    return true;
}

/* Print a server's error reply ({"error": …}) or its status. */
static void server_error(const char *what, int status, const char *body)
{
    cJSON *doc = cJSON_Parse(body);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    cli_error("results", "%s: the server answered %d%s%s", what, status, cJSON_IsString(e) ? ": " : "",
              cJSON_IsString(e) ? e->valuestring : "");
    cJSON_Delete(doc);
}

/* GET path from the server into *json; false (message printed) on any failure or non-200. */
static bool server_get(const source *src, const char *path, const char *what, char **json)
{
    char err[512];
    int status = 0;
    size_t len = 0;
    char *body = NULL;
    if (!http_get(src->server, path, src->api_key, 120, &status, &body, &len, err, sizeof err)) {
        cli_error("results", "%s: %s", what, err);
        return false;
    }
    if (status != 200) {
        server_error(what, status, body);
        free(body);
        return false;
    }
    *json = body;
    return true;
}

/* A store call's status into a printed error; true when OK. */
static bool store_ok(clrelu_status st, const char *what)
{
    if (st == CLRELU_OK)
        return true;
    cli_error("results", "%s: %s", what, clrelu_last_error());
    return false;
}

/* Validate the numeric filters of a into the store's filter (pointing into a). */
static int build_filter(const args *a, clrelu_results_filter *f, clrelu_results_case_key *k)
{
    memset(f, 0, sizeof *f);
    memset(k, 0, sizeof *k);
    f->machine = k->machine = a->machine;
    f->device = k->device = a->device;
    f->op = k->op = a->op;
    f->dtype = k->dtype = a->dtype;
    f->label = a->label;
    f->job = a->job;
    f->cursor = a->cursor;
    k->direction = a->direction;
    k->placement = a->placement;
    struct {
        const char *text, *name;
        uint64_t *dst;
        bool time;
    } nums[] = {{a->min_elements, "--min-elements", &f->min_elements, false},
                {a->max_elements, "--max-elements", &f->max_elements, false},
                {a->elements, "--elements", &k->elements, false},
                {a->since, "--since", &f->since_ms, true},
                {a->until, "--until", &f->until_ms, true}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (!nums[i].text)
            continue;
        if (!(nums[i].time ? parse_time_ms(nums[i].text, nums[i].dst) : parse_elements(nums[i].text, nums[i].dst))) {
            cli_error("results", "bad value '%s' for %s", nums[i].text, nums[i].name);
            return CLI_EXIT_USAGE;
        }
    }
    k->since_ms = f->since_ms;
    k->until_ms = f->until_ms;
    if (a->limit) {
        char *end = NULL;
        long n = strtol(a->limit, &end, 10);
        if (end == a->limit || *end || n < 1 || n > 1000) {
            cli_error("results", "bad value '%s' for --limit (1 to 1000)", a->limit);
            return CLI_EXIT_USAGE;
        }
        f->limit = k->limit = (int)n;
    }
    if (a->label && !strchr(a->label, '=')) {
        cli_error("results", "--label takes KEY=VALUE, not '%s'", a->label);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The query string of a list or history request: the store's filter fields by the same names,
 * numbers as decimal (sizes in elements, times in Unix ms), so that the server parses nothing else. */
static bool add_queries(char *q, size_t cap, const args *a, const clrelu_results_filter *f,
                        const clrelu_results_case_key *k, bool history)
{
    char since[24] = "", until[24] = "", lo[24] = "", hi[24] = "", el[24] = "";
    if (f->since_ms)
        snprintf(since, sizeof since, "%llu", (unsigned long long)f->since_ms);
    if (f->until_ms)
        snprintf(until, sizeof until, "%llu", (unsigned long long)f->until_ms);
    if (f->min_elements)
        snprintf(lo, sizeof lo, "%llu", (unsigned long long)f->min_elements);
    if (f->max_elements)
        snprintf(hi, sizeof hi, "%llu", (unsigned long long)f->max_elements);
    if (k->elements)
        snprintf(el, sizeof el, "%llu", (unsigned long long)k->elements);
    const char *pairs[][2] = {{"machine", a->machine}, {"device", a->device}, {"op", a->op},   {"dtype", a->dtype},
                              {"since_ms", since},     {"until_ms", until},   {"limit", a->limit}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (!http_query_add(q, cap, pairs[i][0], pairs[i][1]))
            return false;
    if (history)
        return http_query_add(q, cap, "elements", el) && http_query_add(q, cap, "direction", a->direction) &&
               http_query_add(q, cap, "placement", a->placement);
    return http_query_add(q, cap, "label", a->label) && http_query_add(q, cap, "job", a->job) &&
           http_query_add(q, cap, "min_elements", lo) && http_query_add(q, cap, "max_elements", hi) &&
           http_query_add(q, cap, "cursor", a->cursor);
}

/* The path of one run, /v1/results/ID with the id escaped; false when too long. */
static bool run_path(char *path, size_t cap, const char *id)
{
    char esc[1024] = "";
    if (!http_query_add(esc, sizeof esc, "x", id) || snprintf(path, cap, "/v1/results/%s", esc + 3) >= (int)cap)
        return false; /* esc is "?x=<escaped id>" */
    return true;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A whole file as a NUL-terminated string (malloc'd), or NULL with a message printed. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
    } else {
        free(buf);
        buf = NULL;
        cli_error("results", "cannot read %s", path);
    }
    if (f)
        fclose(f);
    return buf;
}

/* compare with a file on one side or both: each side read from its file, or fetched as a run
 * (store or server), then compared here by the same function the store and the server use. */
static int compare_local(const source *src, const args *a, char **json)
{
    char *doc[2] = {NULL, NULL};
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < 2 && rc == CLI_EXIT_OK; i++) {
        const char *id = a->pos[i];
        if (is_file(id)) {
            rc = (doc[i] = read_text(id)) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        } else if (src->db) {
            rc = store_ok(clrelu_results_get(src->db, id, &doc[i]), "compare") ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        } else if (src->server) {
            char path[1100];
            if (!run_path(path, sizeof path, id)) {
                cli_error("results", "compare: run id too long");
                rc = CLI_EXIT_USAGE;
            } else {
                rc = server_get(src, path, "compare", &doc[i]) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
            }
        } else {
            cli_error("results", "compare: %s is no file, and no store or server is given to find the run", id);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == CLI_EXIT_OK && !store_ok(clrelu_results_compare_json(doc[0], doc[1], json, NULL), "compare"))
        rc = CLI_EXIT_ERROR;
    free(doc[0]);
    free(doc[1]);
    return rc;
}

/* Fetch the document a subcommand shows into *json. Returns an exit code (message printed). */
static int fetch(const source *src, const args *a, char **json)
{
    clrelu_results_filter f;
    clrelu_results_case_key k;
    int rc = build_filter(a, &f, &k);
    if (rc != CLI_EXIT_OK)
        return rc;
    char path[4096];
    const char *sub = a->sub;
    int want = !strcmp(sub, "show") ? 1 : !strcmp(sub, "compare") ? 2 : 0;
    if (a->n_pos != want) {
        cli_error("results", "%s takes %s", sub, want == 2 ? "two run ids: compare A B" : want ? "a run id: show ID" : "no run id");
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(sub, "history") && (!a->op || !a->dtype || !a->elements)) {
        cli_error("results", "history needs the case: --op OP --dtype T --elements N");
        return CLI_EXIT_USAGE;
    }
    bool ok;
    if (!strcmp(sub, "list")) {
        if (src->db)
            return store_ok(clrelu_results_list(src->db, &f, json), "list") ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        strcpy(path, "/v1/results");
        ok = add_queries(path, sizeof path, a, &f, &k, false);
    } else if (!strcmp(sub, "show")) {
        if (src->db)
            return store_ok(clrelu_results_get(src->db, a->pos[0], json), "show") ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        ok = run_path(path, sizeof path, a->pos[0]);
    } else if (!strcmp(sub, "compare")) {
        if (is_file(a->pos[0]) || is_file(a->pos[1]))
            return compare_local(src, a, json);
        if (src->db) {
            int slower = 0;
            return store_ok(clrelu_results_compare(src->db, a->pos[0], a->pos[1], json, &slower), "compare")
                       ? CLI_EXIT_OK
                       : CLI_EXIT_ERROR;
        }
        strcpy(path, "/v1/results/compare");
        ok = http_query_add(path, sizeof path, "a", a->pos[0]) && http_query_add(path, sizeof path, "b", a->pos[1]);
    } else if (!strcmp(sub, "history")) {
        if (src->db)
            return store_ok(clrelu_results_history(src->db, &k, json), "history") ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        strcpy(path, "/v1/results/history");
        ok = add_queries(path, sizeof path, a, &f, &k, true);
    } else if (!strcmp(sub, "machines")) {
        if (src->db)
            return store_ok(clrelu_results_machines(src->db, json), "machines") ? CLI_EXIT_OK : CLI_EXIT_ERROR;
        strcpy(path, "/v1/machines");
        ok = true;
    } else {
        cli_error("results", "unknown subcommand '%s' (list, show, compare, history, machines)", sub);
        return CLI_EXIT_USAGE;
    }
    if (!ok) {
        cli_error("results", "the request's arguments are too long");
        return CLI_EXIT_USAGE;
    }
    return server_get(src, path, sub, json) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* Print the document (as it is with --json, else as a table); the exit code of compare with
 * --fail-on-regression counts the SLOWER cases of its summary. */
static int print(const args *a, const char *json)
{
    cJSON *doc = cJSON_Parse(json);
    if (!doc) {
        cli_error("results", "%s: the answer is not JSON", a->sub);
        return CLI_EXIT_ERROR;
    }
    if (a->json) {
        fputs(json, stdout);
        if (!*json || json[strlen(json) - 1] != '\n')
            fputc('\n', stdout);
    } else if (!strcmp(a->sub, "list")) {
        results_print_list(stdout, doc);
    } else if (!strcmp(a->sub, "show")) {
        results_print_run(stdout, doc);
    } else if (!strcmp(a->sub, "compare")) {
        results_print_compare(stdout, doc);
    } else if (!strcmp(a->sub, "history")) {
        results_print_history(stdout, doc);
    } else {
        results_print_machines(stdout, doc);
    }
    int rc = CLI_EXIT_OK;
    if (!strcmp(a->sub, "compare") && a->fail_on_regression) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "summary"), "slower");
        if (!cJSON_IsNumber(s)) {
            cli_error("results", "compare: the answer has no summary.slower");
            rc = CLI_EXIT_ERROR;
        } else if (s->valuedouble > 0) {
            fprintf(stderr, "clrelu results: %.0f case(s) SLOWER: failing (--fail-on-regression)\n", s->valuedouble);
            rc = CLI_EXIT_ERROR;
        }
    }
    cJSON_Delete(doc);
    return rc;
}

int cmd_results(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc < 0)
        return CLI_EXIT_OK;
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!a.sub) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!a.db_url && !a.server) {
        const char *env = getenv("CLRELU_RESULTS_DB");
        a.db_url = env && *env ? env : NULL;
    }
    if (a.db_url && a.server) {
        cli_error("results", "give --results-db or --server, not both");
        return CLI_EXIT_USAGE;
    }
    bool files_only = !strcmp(a.sub, "compare") && a.n_pos == 2 && is_file(a.pos[0]) && is_file(a.pos[1]);
    if (!a.db_url && !a.server && !files_only) {
        cli_error("results", "no results: give --results-db URL (or set CLRELU_RESULTS_DB) or --server URL");
        return CLI_EXIT_USAGE;
    }
    if (files_only)
        a.db_url = a.server = NULL; /* two files: nothing to open */
    source src = {NULL, a.server, a.api_key};
    if (a.db_url && clrelu_results_open(a.db_url, &src.db) != CLRELU_OK) {
        cli_error("results", "%s", clrelu_last_error());
        return CLI_EXIT_ERROR;
    }
    char *json = NULL;
    rc = fetch(&src, &a, &json);
    if (rc == CLI_EXIT_OK)
        rc = print(&a, json);
    free(json);
    clrelu_results_close(src.db);
    fflush(stdout);
    return rc;
}
