/* pvalues_tool.c — evaluates driftd's p-values for the scipy oracle (test_pvalues.py).
 *
 * Reads one query per line on stdin and writes one result per line (%.17g) on stdout:
 *   normal Z | lognormal Z | chi2 X DOF | logchi2 X DOF | ks D N M | fisher A B C D
 *   kslarge D N M (dd_pvalue_ks_2samp_large) | kolmogorov LAMBDA | qnorm P
 *   (dd_quantile_normal_upper) | qchi2 P DOF (dd_quantile_chi2_upper) | t T DOF
 *   (dd_pvalue_t_two_sided)
 * D is read as a double; N, M, A..D as unsigned 64-bit integers. A malformed line ends the run
 * with exit status 2 naming the line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

int main(void) {
    char line[512];
    unsigned long line_no = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        line_no++;
        char op[16];
        double x = 0.0, y = 0.0;
        uint64_t u[4] = {0, 0, 0, 0};
        double result;
        if (sscanf(line, "%15s", op) != 1)
            continue;
        if (strcmp(op, "normal") == 0 && sscanf(line, "%*s %lf", &x) == 1)
            result = dd_pvalue_normal_two_sided(x);
        else if (strcmp(op, "lognormal") == 0 && sscanf(line, "%*s %lf", &x) == 1)
            result = dd_log_pvalue_normal_two_sided(x);
        else if (strcmp(op, "chi2") == 0 && sscanf(line, "%*s %lf %lf", &x, &y) == 2)
            result = dd_pvalue_chi2(x, y);
        else if (strcmp(op, "logchi2") == 0 && sscanf(line, "%*s %lf %lf", &x, &y) == 2)
            result = dd_log_pvalue_chi2(x, y);
        else if (strcmp(op, "ks") == 0 &&
                 sscanf(line, "%*s %lf %" SCNu64 " %" SCNu64, &x, &u[0], &u[1]) == 3)
            result = dd_pvalue_ks_2samp(x, u[0], u[1]);
        else if (strcmp(op, "kslarge") == 0 &&
                 sscanf(line, "%*s %lf %" SCNu64 " %" SCNu64, &x, &u[0], &u[1]) == 3)
            result = dd_pvalue_ks_2samp_large(x, u[0], u[1]);
        else if (strcmp(op, "kolmogorov") == 0 && sscanf(line, "%*s %lf", &x) == 1)
            result = dd_pvalue_kolmogorov(x);
        else if (strcmp(op, "qnorm") == 0 && sscanf(line, "%*s %lf", &x) == 1)
            result = dd_quantile_normal_upper(x);
        else if (strcmp(op, "t") == 0 && sscanf(line, "%*s %lf %lf", &x, &y) == 2)
            result = dd_pvalue_t_two_sided(x, y);
        else if (strcmp(op, "qchi2") == 0 && sscanf(line, "%*s %lf %lf", &x, &y) == 2)
            result = dd_quantile_chi2_upper(x, y);
        else if (strcmp(op, "fisher") == 0 &&
                 sscanf(line, "%*s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &u[0], &u[1],
                        &u[2], &u[3]) == 4)
            result = dd_pvalue_fisher_exact_2x2(u[0], u[1], u[2], u[3]);
        else {
            fprintf(stderr, "pvalues_tool: line %lu: cannot parse \"%s\"\n", line_no, line);
            return 2;
        }
        printf("%.17g\n", result);
    }
    return 0;
}
