/* report.h — public header of engine/out/ for the HTML report of `driftd compare`. */
#ifndef DRIFTD_ENGINE_REPORT_H
#define DRIFTD_ENGINE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "correlation.h"
#include "multivariate.h"
#include "performance.h"

/* ---- Reports ----------------------------------------------------------------------------------
 * One self-contained HTML page (report_html.c; docs/compare.md "HTML report"): summary, then per
 * feature its verdict, statistics and, when r was computed with options.plots, the reference and
 * current distributions as inline SVG. Everything from the data is HTML-escaped; the page loads
 * nothing. With perf (not NULL: --target), a performance card after the summary: each metric of
 * both files, its change, interval, p-value and status; with corr (two numeric columns or more),
 * a correlations card: a heat map of every pair's change and the pairs that changed; with mv, a
 * multivariate card: the verdict, the columns and components that moved most. Returns 0,
 * or −1 when the stream reports a write error (ferror). */
int dd_compare_write_html(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                          size_t cur_rows, const dd_compare_result_t *r,
                          const dd_performance_result_t *perf, const dd_correlation_result_t *corr,
                          const dd_multivariate_result_t *mv);

#endif /* DRIFTD_ENGINE_REPORT_H */
