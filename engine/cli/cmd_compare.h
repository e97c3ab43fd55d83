/* cmd_compare.h — the reports of `driftd compare` written by cmd_compare_report.c. */
#ifndef DD_CMD_COMPARE_H
#define DD_CMD_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "correlation.h"
#include "multivariate.h"
#include "performance.h"

/* The JSON report, version 2 (docs/compare.md, "JSON report"), one line; with a "performance"
 * object when perf is not NULL (--target), a "correlations" one when corr is not NULL, a
 * "multivariate" one when mv is not NULL. */
void cmd_compare_write_json(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                            size_t cur_rows, const dd_compare_result_t *r,
                            const dd_performance_result_t *perf,
                            const dd_correlation_result_t *corr,
                            const dd_multivariate_result_t *mv);
/* The table (docs/compare.md, "Table"); `colour` adds ANSI colours; the performance section when
 * perf is not NULL. */
void cmd_compare_write_table(FILE *out, int colour, const char *ref_path, size_t ref_rows,
                             const char *cur_path, size_t cur_rows, const dd_compare_result_t *r,
                             const dd_performance_result_t *perf,
                             const dd_correlation_result_t *corr,
                            const dd_multivariate_result_t *mv);

#endif
