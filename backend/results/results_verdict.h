/* results_verdict.h: the one rule that says whether a case got faster, slower or stayed the same (compare and history). */
#ifndef CLRELU_RESULTS_VERDICT_H
#define CLRELU_RESULTS_VERDICT_H

/* Owned by issue 16's compare (results_compare.c); the store's history (and put_run, which keeps
 * each case's spread) calls these too, so that compare and history can never disagree. The rule
 * is the one include/clrelu_results.h states:
 *   m = median of the kernel-time samples, s = 1.4826 * MAD / m (robust relative spread);
 *   ratio = m_B / m_A; SAME when |ratio - 1| <= max(0.02, 2 * max(s_A, s_B)), else SLOWER when
 *   ratio > 1 and FASTER when ratio < 1. */

#include <stdbool.h>

typedef enum {
    CLR_VERDICT_NONE = 0, /* not timed on both sides: no verdict */
    CLR_VERDICT_SAME,
    CLR_VERDICT_FASTER,
    CLR_VERDICT_SLOWER,
} clr_verdict;

/* The smallest relative change that counts, and the factor on the larger spread. */
#define CLR_VERDICT_MIN_CHANGE 0.02
#define CLR_VERDICT_SPREAD_FACTOR 2.0

/* The rule in words, as compare's "rule" field and the docs give it. */
#define CLR_VERDICT_RULE                                                                                   \
    "per case, from the kernel-time samples of each run: m = median, s = 1.4826 * MAD / m (robust "        \
    "relative spread; the samples' cv when a run kept no samples); ratio = m_B / m_A (time); SAME when "    \
    "|ratio - 1| <= max(0.02, 2 * max(s_A, s_B)), else SLOWER when ratio > 1 and FASTER when ratio < 1"

/* Median (linear interpolation between the middle order statistics, as the bench engine's) and
 * robust relative spread s = 1.4826 * MAD / median of v[0..n). v is left as it is. False when
 * n < 1, a value is not finite, the median is not positive, or memory runs out. */
bool clr_results_robust(const double *v, int n, double *median, double *spread);

/* The relative change that still counts as SAME for two spreads: max(0.02, 2 * max(s_a, s_b)). */
double clr_results_threshold(double spread_a, double spread_b);

/* The verdict of B against A from their medians (ns) and spreads; *ratio (may be NULL) receives
 * m_b / m_a, or 0 with CLR_VERDICT_NONE when a median is not a positive finite number. A spread
 * that is negative or not finite counts as 0. */
clr_verdict clr_results_verdict(double median_a, double spread_a, double median_b, double spread_b, double *ratio);

/* "SAME", "FASTER", "SLOWER"; NULL for CLR_VERDICT_NONE. */
const char *clr_verdict_name(clr_verdict v);

#endif
