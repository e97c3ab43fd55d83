/* report_html.c — `driftd compare --format html`: one self-contained page.
 *
 * The page loads nothing: no script, no external style, font or image, and a Content-Security-
 * Policy that forbids fetching anyway, so a report can be mailed or archived and opened offline
 * without leaking that it was opened. Plots are inline SVG drawn from the bounded plot data of
 * compare_plot.c; styling is one inline <style> element. Every string that comes from the input
 * (paths, column and category names) goes through html_text(); every number through fmt_number()
 * or coord(), so NaN and infinities never reach the markup as "nan". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#ifndef DRIFTD_VERSION
#define DRIFTD_VERSION "?"
#endif

/* ---- escaping and numbers ---- */

/* Writes s as HTML text or attribute content, at most max_chars characters (code points; 0 = all)
 * followed by "…" when cut. Control characters become U+FFFD. */
static void html_text_cut(FILE *out, const char *s, size_t max_chars) {
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80) { /* the first byte of a character */
            if (max_chars && chars == max_chars) {
                fputs("\xE2\x80\xA6", out);
                return;
            }
            chars++;
        }
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F)
                fputs("\xEF\xBF\xBD", out);
            else
                putc(*p, out);
        }
    }
}

static void html_text(FILE *out, const char *s) {
    html_text_cut(out, s, 0);
}

/* A statistic for people: 4 significant digits; "—" for NaN, "∞" for infinities. */
static const char *fmt_number(char *buf, size_t size, double v) {
    if (isnan(v))
        snprintf(buf, size, "\xE2\x80\x94");
    else if (isinf(v))
        snprintf(buf, size, "%s\xE2\x88\x9E", v < 0 ? "\xE2\x88\x92" : "");
    else
        snprintf(buf, size, "%.4g", v);
    return buf;
}

static const char *fmt_percent(char *buf, size_t size, double share) {
    if (!isfinite(share))
        snprintf(buf, size, "\xE2\x80\x94");
    else if (share > 0 && share < 0.0005)
        snprintf(buf, size, "&lt;0.1%%");
    else if (share < 1 && share >= 0.9995)
        snprintf(buf, size, "&gt;99.9%%");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * share);
    return buf;
}

/* An axis label: up to 6 significant digits, so round ticks print whole ("40000"). */
static const char *fmt_tick(char *buf, size_t size, double v) {
    if (!isfinite(v))
        return fmt_number(buf, size, v);
    snprintf(buf, size, "%.6g", v);
    return buf;
}

/* An SVG coordinate: finite by construction, but a guard costs nothing and keeps "nan" out. */
static double coord(double v) {
    return isfinite(v) ? v : 0.0;
}

static double share_of(uint64_t count, uint64_t total) {
    return total ? (double)count / (double)total : 0.0;
}

/* A round step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` intervals up to top. */
static double nice_step(double top, int ticks) {
    const double raw = top / ticks;
    if (!(raw > 0) || !isfinite(raw))
        return NAN;
    const double mag = pow(10.0, floor(log10(raw)));
    const double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
}

/* ---- page frame ---- */

static const char style_sheet[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;"
    "background:#f6f8fa;margin:0}"
    "main{max-width:1240px;margin:0 auto;padding:20px 24px 40px}"
    "h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0;word-break:break-all}"
    "table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;vertical-align:top}"
    "th{font-weight:600;color:#57606a}td.num,th.num{text-align:right;font-variant-numeric:"
    "tabular-nums}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;"
    "margin:0 0 16px}"
    ".banner{font-size:18px;font-weight:600;padding:10px 16px;border-radius:8px;margin:0 0 14px}"
    ".banner.drift{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}"
    ".banner.stable{background:#dafbe1;color:#116329;border:1px solid #4ac26b}"
    ".badge{display:inline-block;font-size:12px;font-weight:700;padding:1px 8px;"
    "border-radius:10px;margin-left:8px;vertical-align:2px}"
    ".badge.critical{background:#cf222e;color:#fff}.badge.warning{background:#bf8700;color:#fff}"
    ".badge.stable{background:#1a7f37;color:#fff}.badge.insufficient{background:#6e7781;"
    "color:#fff}.badge.skipped{background:#eaeef2;color:#57606a}"
    ".kind{color:#57606a;font-size:13px;margin-left:8px}"
    ".summary th{width:150px}.path{font-family:ui-monospace,monospace;word-break:break-all}"
    ".overview tr+tr td{border-top:1px solid #eaeef2}.overview a{color:#0969da}"
    "section.field{border-left:5px solid #1a7f37}section.field.critical{border-left-color:#cf222e}"
    "section.field.warning{border-left-color:#bf8700}section.field.insufficient,"
    "section.field.skipped{border-left-color:#8c959f}"
    ".reason{margin:6px 0 10px;color:#24292f;font-family:ui-monospace,monospace;font-size:13px}"
    ".quality{margin:0 0 10px}.quality td,.quality th{padding:2px 8px;font-size:13px}"
    ".quality caption{text-align:left;font-weight:600;padding:4px 8px;color:#24292f}"
    ".quality td:nth-child(-n+2),td.num{white-space:nowrap}"
    ".quality tr.raised td{background:#fff8c5}.quality tr.raised.critical td{background:#ffebe9}"
    ".quality td.why{font-family:ui-monospace,monospace;font-size:12px;color:#57606a}"
    ".flag{color:#cf222e;font-weight:700}"
    ".cols{display:flex;flex-wrap:wrap;gap:8px 28px;align-items:flex-start}"
    "figure{margin:0}.side{flex:1 1 360px;max-width:520px}"
    "figcaption{font-size:12px;color:#57606a;max-width:600px}"
    ".stats td,.stats th{padding:2px 8px;font-size:13px}.stats tr.deciding td{font-weight:700}"
    ".stats caption{text-align:left;font-weight:600;padding:4px 8px;color:#24292f}"
    "svg{background:#fff;display:block}svg text{font:11px system-ui,sans-serif;fill:#57606a}"
    "svg .ref{fill:#4e79a7;fill-opacity:.45;stroke:#4e79a7;stroke-width:1.5}"
    "svg .cur{fill:#f28e2b;fill-opacity:.2;stroke:#d9600f;stroke-width:2}"
    "svg .bar-ref{fill:#4e79a7}svg .bar-cur{fill:#f28e2b}"
    "svg .axis{stroke:#8c959f;stroke-width:1}svg .grid{stroke:#eaeef2;stroke-width:1}"
    "svg .med-ref{stroke:#4e79a7;stroke-dasharray:4 3;stroke-width:1.5}"
    "svg .med-cur{stroke:#d9600f;stroke-dasharray:4 3;stroke-width:1.5}"
    "svg text.label{fill:#24292f}svg text.other{font-style:italic}"
    "footer{color:#57606a;font-size:12px;margin-top:20px}";

static void page_head(FILE *out, const char *ref_path, const char *cur_path) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
          "<meta name=\"referrer\" content=\"no-referrer\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"driftd " DRIFTD_VERSION "\">\n<title>Drift report: ",
          out);
    html_text(out, ref_path);
    fputs(" vs ", out);
    html_text(out, cur_path);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", style_sheet);
}

static const char *kind_name(const dd_feature_result_t *f) {
    return f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical";
}

/* The badge (and section) class of a verdict: critical, warning, stable, insufficient. */
static const char *verdict_class(const dd_verdict_t *v) {
    if (v->status == DD_VERDICT_DRIFT)
        return v->severity == DD_SEVERITY_CRITICAL ? "critical" : "warning";
    return v->status == DD_VERDICT_STABLE ? "stable" : "insufficient";
}

/* The badge text: "drift (critical)", "drift (warning)", "stable", "insufficient data". */
static const char *verdict_text(const dd_verdict_t *v) {
    if (v->status == DD_VERDICT_DRIFT)
        return v->severity == DD_SEVERITY_CRITICAL ? "drift (critical)" : "drift (warning)";
    return dd_verdict_status_name(v->status);
}

static void badge(FILE *out, const dd_feature_result_t *f) {
    if (f->role != DD_ROLE_JUDGE)
        fprintf(out, "<span class=\"badge skipped\">skipped (%s)</span>",
                dd_column_role_name(f->role));
    else
        fprintf(out, "<span class=\"badge %s\">%s</span>", verdict_class(&f->verdict),
                verdict_text(&f->verdict));
}

/* Quality conditions raised (drift) for a field, and whether one is critical. */
static int quality_raised(const dd_feature_result_t *f, int *critical) {
    int n = 0;
    *critical = 0;
    for (int q = 0; q < DD_QUALITY_N; q++) {
        const dd_quality_result_t *c = &f->quality[q];
        if (!c->applies || c->verdict.status != DD_VERDICT_DRIFT)
            continue;
        n++;
        *critical |= c->verdict.severity == DD_SEVERITY_CRITICAL;
    }
    return n;
}

/* The statistic of the stats table the verdict's effect is (bold there). */
static int is_effect(const dd_feature_result_t *f, const char *stat) {
    const char *e = f->verdict.effect_name;
    if (e == NULL)
        return 0;
    if (strcmp(e, "wasserstein_normed") == 0)
        e = "wasserstein";
    else if (strcmp(e, "tvd") == 0)
        e = "total_variation";
    return strcmp(e, stat) == 0;
}

static void summary(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                    size_t cur_rows, const dd_compare_result_t *r,
                    const dd_performance_result_t *perf, const dd_correlation_result_t *corr,
                    const dd_multivariate_result_t *mv) {
    char share[32], threshold[32], n1[32], n2[32];
    const size_t corr_critical = corr != NULL ? corr->critical : 0;
    const size_t perf_critical = perf != NULL ? perf->critical : 0;
    const int mv_critical = mv != NULL && mv->critical;
    const int alarm = r->drift || r->quality_critical > 0 || corr_critical > 0 ||
                      perf_critical > 0 || mv_critical;
    fputs("<h1>Drift report</h1>\n", out);
    fprintf(out, "<p class=\"banner %s\" id=\"verdict\">%s: %zu of %zu judged fields drifted",
            alarm ? "drift" : "stable", r->drift ? "Dataset drift" : "No dataset drift",
            r->drifted, r->judged);
    if (r->quality_critical > 0)
        fprintf(out, "; %zu critical quality condition%s", r->quality_critical,
                r->quality_critical == 1 ? "" : "s");
    if (corr_critical > 0)
        fprintf(out, "; %zu critical correlation change%s", corr_critical,
                corr_critical == 1 ? "" : "s");
    if (mv_critical)
        fputs("; a critical multivariate change", out);
    if (perf_critical > 0)
        fprintf(out, "; %zu performance metric%s degraded critically", perf_critical,
                perf_critical == 1 ? "" : "s");
    fputs("</p>\n", out);
    fputs("<div class=\"card\"><table class=\"summary\">\n<tr><th>Reference</th><td><span "
          "class=\"path\">",
          out);
    html_text(out, ref_path);
    fprintf(out, "</span> &middot; %zu rows</td></tr>\n<tr><th>Current</th><td><span "
                 "class=\"path\">", ref_rows);
    html_text(out, cur_path);
    fprintf(out, "</span> &middot; %zu rows</td></tr>\n", cur_rows);
    fprintf(out, "<tr><th>Drifted fields</th><td>%zu of %zu judged</td></tr>\n", r->drifted,
            r->judged);
    fprintf(out, "<tr><th>Not judged</th><td>%zu with insufficient data, %zu skipped (of %zu "
                 "fields)</td></tr>\n",
            r->insufficient, r->skipped, r->n_features);
    fprintf(out, "<tr><th>Drift share</th><td>%s (the dataset drifts at &ge; %s)</td></tr>\n",
            fmt_percent(share, sizeof(share), r->drift_share),
            fmt_percent(threshold, sizeof(threshold), r->drift_share_threshold));
    fprintf(out, "<tr><th>Quality conditions</th><td>%zu warning%s, %zu critical</td></tr>\n",
            r->quality_warnings, r->quality_warnings == 1 ? "" : "s", r->quality_critical);
    fprintf(out, "<tr><th>False-alarm budget</th><td>%s per comparison; &alpha; = %s per test"
                 "</td></tr>\n",
            fmt_number(n1, sizeof(n1), r->false_alarm_rate), fmt_number(n2, sizeof(n2), r->alpha));
    fprintf(out, "<tr><th>Dataset verdict</th><td><span class=\"badge %s\">%s</span></td>"
                 "</tr>\n",
            r->drift ? "critical" : "stable", r->drift ? "drift" : "no drift");
    fputs("</table></div>\n", out);
}

static void overview(FILE *out, const dd_compare_result_t *r) {
    char v[32], t[32], p[32];
    fputs("<div class=\"card\"><table class=\"overview\">\n<tr><th>Field</th><th>Kind</th>"
          "<th>Status</th><th>Effect</th><th class=\"num\">Value</th>"
          "<th class=\"num\">Critical from</th><th>Test</th><th class=\"num\">p-value</th>"
          "<th>Quality</th></tr>\n",
          out);
    for (size_t i = 0; i < r->n_features; i++) {
        const dd_feature_result_t *f = &r->features[i];
        const dd_verdict_t *d = &f->verdict;
        fprintf(out, "<tr><td><a href=\"#f%zu\">", i);
        html_text(out, f->name);
        fprintf(out, "</a></td><td>%s</td><td>", kind_name(f));
        badge(out, f);
        fputs("</td>", out);
        if (f->role != DD_ROLE_JUDGE) {
            fputs("<td></td><td></td><td></td><td></td><td></td><td></td></tr>\n", out);
            continue;
        }
        fprintf(out, "<td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                     "<td>%s</td><td class=\"num\">%s</td><td>",
                d->effect_name ? d->effect_name : "", fmt_number(v, sizeof(v), d->effect),
                fmt_number(t, sizeof(t), d->critical), d->test ? d->test : "",
                d->test ? fmt_number(p, sizeof(p), d->p_value) : "");
        for (int q = 0, first = 1; q < DD_QUALITY_N; q++) {
            const dd_quality_result_t *c = &f->quality[q];
            if (!c->applies || c->verdict.status != DD_VERDICT_DRIFT)
                continue;
            fprintf(out, "%s<span class=\"badge %s\">%s</span>", first ? "" : " ",
                    verdict_class(&c->verdict), dd_quality_name(q));
            first = 0;
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table></div>\n", out);
}

/* ---- plots ---- */

enum { SVG_W = 600 };

static void legend(FILE *out, double x, uint64_t n_ref, uint64_t n_cur) {
    fprintf(out, "<rect class=\"bar-ref\" x=\"%.1f\" y=\"8\" width=\"12\" height=\"10\"/>"
                 "<text x=\"%.1f\" y=\"17\">reference (n=%llu)</text>",
            x, x + 16, (unsigned long long)n_ref);
    fprintf(out, "<rect class=\"bar-cur\" x=\"%.1f\" y=\"8\" width=\"12\" height=\"10\"/>"
                 "<text x=\"%.1f\" y=\"17\">current (n=%llu)</text>\n",
            x + 170, x + 186, (unsigned long long)n_cur);
}

/* A histogram as a closed step outline: up at each bin edge, across at the bin's share. */
static void step_path(FILE *out, const char *cls, const uint64_t *counts, uint64_t total,
                      size_t bins, double x0, double bin_w, double base, double y_scale) {
    fprintf(out, "<path class=\"%s\" d=\"M%.1f %.1f", cls, coord(x0), coord(base));
    for (size_t k = 0; k < bins; k++) {
        const double y = base - share_of(counts[k], total) * y_scale;
        fprintf(out, "L%.1f %.1fL%.1f %.1f", coord(x0 + (double)k * bin_w), coord(y),
                coord(x0 + (double)(k + 1) * bin_w), coord(y));
    }
    fprintf(out, "L%.1f %.1fZ\"/>\n", coord(x0 + (double)bins * bin_w), coord(base));
}

static void median_line(FILE *out, const char *cls, double median, double lo, double hi,
                        double left, double width, double top, double base) {
    if (!isfinite(median) || !(median >= lo && median <= hi))
        return;
    const double t = (median / 2 - lo / 2) / (hi / 2 - lo / 2); /* halves: hi − lo may overflow */
    if (!isfinite(t))
        return;
    const double x = left + t * width;
    fprintf(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cls,
            coord(x), coord(top), coord(x), coord(base));
}

static void plot_numeric(FILE *out, const dd_feature_result_t *f, const dd_plot_numeric_t *p) {
    enum { H = 250, LEFT = 56, RIGHT = 30, TOP = 30, BOTTOM = 40 };
    const double width = SVG_W - LEFT - RIGHT, height = H - TOP - BOTTOM, base = H - BOTTOM;
    char a[32], b[32];
    fprintf(out, "<svg class=\"plot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "role=\"img\" aria-label=\"",
            SVG_W, H, SVG_W, H);
    html_text(out, f->name);
    fputs(": reference and current histograms\">\n", out);
    legend(out, LEFT, p->n_reference, p->n_current);
    if (p->bins == 0) {
        fprintf(out, "<text x=\"%d\" y=\"%d\">no finite values in either file</text>\n</svg>\n",
                LEFT, H / 2);
        return;
    }
    double top_share = 0;
    for (size_t k = 0; k < p->bins; k++) {
        const double s1 = share_of(p->reference[k], p->n_reference);
        const double s2 = share_of(p->current[k], p->n_current);
        top_share = s1 > top_share ? s1 : top_share;
        top_share = s2 > top_share ? s2 : top_share;
    }
    if (!(top_share > 0))
        top_share = 1;
    const double step = nice_step(top_share, 4);
    const double top = ceil(top_share / step - 1e-9) * step;
    const double y_scale = height / top;
    for (int t = 0; (double)t * step <= top * (1 + 1e-9); t++) {
        const double y = base - (double)t * step * y_scale;
        fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                LEFT, coord(y), LEFT + width, coord(y), LEFT - 6, coord(y + 4),
                fmt_percent(a, sizeof(a), (double)t * step));
    }
    const double bin_w = width / (double)p->bins;
    if (p->n_reference)
        step_path(out, "ref", p->reference, p->n_reference, p->bins, LEFT, bin_w, base, y_scale);
    if (p->n_current)
        step_path(out, "cur", p->current, p->n_current, p->bins, LEFT, bin_w, base, y_scale);
    const double lo = p->edges[0], hi = p->edges[p->bins];
    median_line(out, "med-ref", p->summary_reference.median, lo, hi, LEFT, width, TOP, base);
    median_line(out, "med-cur", p->summary_current.median, lo, hi, LEFT, width, TOP, base);
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", LEFT,
            base, LEFT + width, base);
    /* Ticks at round values (whole numbers for integer data) inside the drawn range. */
    const double span = hi - lo;
    double tick = isfinite(span) && span > 0 ? nice_step(span, 5) : NAN;
    if (p->integers && tick != floor(tick))
        tick = tick < 1 ? 1 : floor(tick); /* whole values only: 2.5 becomes 2 */
    int ticks = 0;
    if (isfinite(tick) && tick > 0) {
        const double first = ceil(lo / tick) * tick;
        for (int t = 0; t < 12; t++, ticks++) {
            double v = first + t * tick;
            if (!(v <= hi))
                break;
            if (fabs(v) < tick * 1e-9)
                v = 0; /* not "-0" or "1e-17" */
            const double x = LEFT + (v - lo) / span * width;
            fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                    coord(x), base, coord(x), base + 4, coord(x), base + 16,
                    fmt_tick(a, sizeof(a), v));
        }
    }
    if (ticks == 0) /* a range too wide for round steps (near ±DBL_MAX): label its ends */
        fprintf(out, "<text x=\"%d\" y=\"%.1f\">%s</text><text x=\"%.1f\" y=\"%.1f\" "
                     "text-anchor=\"end\">%s</text>\n",
                LEFT, base + 16, fmt_tick(a, sizeof(a), lo), LEFT + width, base + 16,
                fmt_tick(b, sizeof(b), hi));
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">share of values per bin "
                 "(%zu bins; dashed: medians)</text>\n</svg>\n",
            LEFT + width / 2, H - 6, p->bins);
    fputs("<figcaption>", out);
    const double per_bin = (hi - lo) / (double)p->bins;
    if (p->integers && per_bin < 1.5)
        fprintf(out, "One bin per whole value from %s to %s, shared by both files.",
                fmt_number(a, sizeof(a), lo + 0.5), fmt_number(b, sizeof(b), hi - 0.5));
    else if (p->integers)
        fprintf(out, "Bins of %.0f whole values each from %s to %s, shared by both files.",
                coord(per_bin), fmt_number(a, sizeof(a), lo + 0.5),
                fmt_number(b, sizeof(b), hi - 0.5));
    else
        fprintf(out, "Bins of equal width from %s to %s, shared by both files.",
                fmt_number(a, sizeof(a), lo), fmt_number(b, sizeof(b), hi));
    if (p->reference_outside || p->current_outside)
        fprintf(out, " Beyond the drawn range (0.5th&ndash;99.5th percentiles of the two "
                     "files): %llu reference and %llu current values.",
                (unsigned long long)p->reference_outside, (unsigned long long)p->current_outside);
    fputs("</figcaption>\n", out);
}

static void category_row(FILE *out, double y, const char *name, int other, uint64_t n_other,
                         uint64_t x_ref, uint64_t n_ref, uint64_t x_cur, uint64_t n_cur,
                         double bar_scale) {
    enum { LABEL_X = 176, BAR_X = 184 };
    char a[32];
    fputs("<g><title>", out);
    if (other)
        fprintf(out, "other: %llu categories", (unsigned long long)n_other);
    else
        html_text(out, name ? name : "(unknown)");
    fprintf(out, "</title><text class=\"label%s\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
            other ? " other" : "", LABEL_X, coord(y + 15));
    if (other)
        fprintf(out, "other (%llu)", (unsigned long long)n_other);
    else if (name == NULL)
        fputs("(unknown)", out);
    else if (name[0] == '\0')
        fputs("(empty)", out);
    else
        html_text_cut(out, name, 26);
    fputs("</text>", out);
    const double s_ref = share_of(x_ref, n_ref), s_cur = share_of(x_cur, n_cur);
    const double w_ref = s_ref * bar_scale, w_cur = s_cur * bar_scale;
    fprintf(out, "<rect class=\"bar-ref\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\">%s</text>",
            BAR_X, coord(y + 2), coord(w_ref), coord(BAR_X + w_ref + 4), coord(y + 11),
            fmt_percent(a, sizeof(a), s_ref));
    fprintf(out, "<rect class=\"bar-cur\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
            BAR_X, coord(y + 13), coord(w_cur), coord(BAR_X + w_cur + 4), coord(y + 22),
            fmt_percent(a, sizeof(a), s_cur));
}

static void plot_categorical(FILE *out, const dd_feature_result_t *f,
                             const dd_plot_categorical_t *p) {
    enum { TOP = 28, ROW = 28, BAR_X = 184, BAR_MAX = 350 };
    const size_t rows = p->n_top + (p->n_other > 0);
    const int h = TOP + (int)(rows ? rows : 1) * ROW + 8;
    fprintf(out, "<svg class=\"plot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "role=\"img\" aria-label=\"",
            SVG_W, h, SVG_W, h);
    html_text(out, f->name);
    fputs(": reference and current category shares\">\n", out);
    legend(out, BAR_X, p->n_reference, p->n_current);
    if (rows == 0) {
        fprintf(out, "<text x=\"%d\" y=\"%d\">no values in either file</text>\n</svg>\n", BAR_X,
                TOP + 18);
        return;
    }
    double top_share = 0;
    for (size_t k = 0; k < p->n_top; k++) {
        const double s1 = share_of(p->top[k].reference, p->n_reference);
        const double s2 = share_of(p->top[k].current, p->n_current);
        top_share = s1 > top_share ? s1 : top_share;
        top_share = s2 > top_share ? s2 : top_share;
    }
    if (p->n_other) {
        const double s1 = share_of(p->other_reference, p->n_reference);
        const double s2 = share_of(p->other_current, p->n_current);
        top_share = s1 > top_share ? s1 : top_share;
        top_share = s2 > top_share ? s2 : top_share;
    }
    const double bar_scale = top_share > 0 ? BAR_MAX / top_share : 0;
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", BAR_X,
            TOP - 2, BAR_X, h - 6);
    for (size_t k = 0; k < p->n_top; k++)
        category_row(out, TOP + (double)k * ROW, p->top[k].name, 0, 0, p->top[k].reference,
                     p->n_reference, p->top[k].current, p->n_current, bar_scale);
    if (p->n_other)
        category_row(out, TOP + (double)p->n_top * ROW, NULL, 1, p->n_other, p->other_reference,
                     p->n_reference, p->other_current, p->n_current, bar_scale);
    fputs("</svg>\n<figcaption>Share of each file&#39;s non-null values, categories ordered by "
          "reference share + current share",
          out);
    if (p->n_other)
        fprintf(out, "; the %llu others are summed in the last row",
                (unsigned long long)p->n_other);
    fputs(".</figcaption>\n", out);
}

/* ---- per-feature tables ---- */

static void stat_row(FILE *out, int deciding, const char *name, const char *label1, double v1,
                     const char *label2, double v2) {
    char a[32], b[32];
    fprintf(out, "<tr%s><td>%s</td><td>%s</td><td class=\"num\">%s</td>",
            deciding ? " class=\"deciding\"" : "", name, label1, fmt_number(a, sizeof(a), v1));
    if (label2)
        fprintf(out, "<td>%s</td><td class=\"num\">%s</td></tr>\n", label2,
                fmt_number(b, sizeof(b), v2));
    else
        fputs("<td></td><td></td></tr>\n", out);
}

/* Every statistic computed; the verdict's effect in bold. */
static void drift_statistics(FILE *out, const dd_feature_result_t *f) {
    fputs("<table class=\"stats\"><caption>Statistics</caption>\n", out);
    if (f->stats & DD_STAT_KS)
        stat_row(out, 0, "Kolmogorov&ndash;Smirnov", "statistic", f->ks_statistic, "p-value",
                 f->ks_p_value);
    if (f->stats & DD_STAT_WASSERSTEIN)
        stat_row(out, is_effect(f, "wasserstein"), "Wasserstein", "distance", f->wasserstein,
                 "normed", f->wasserstein_normed);
    if (f->stats & DD_STAT_PSI)
        stat_row(out, is_effect(f, "psi"), "PSI", "value", f->psi, NULL, 0);
    if (f->stats & DD_STAT_JENSEN_SHANNON)
        stat_row(out, is_effect(f, "jensen_shannon"), "Jensen&ndash;Shannon", "distance",
                 f->jensen_shannon, NULL, 0);
    if (f->stats & DD_STAT_HELLINGER)
        stat_row(out, is_effect(f, "hellinger"), "Hellinger", "distance", f->hellinger, NULL, 0);
    if (f->stats & DD_STAT_KL)
        stat_row(out, is_effect(f, "kl"), "Kullback&ndash;Leibler", "value", f->kl, NULL, 0);
    if (f->stats & DD_STAT_TVD)
        stat_row(out, is_effect(f, "total_variation"), "Total variation", "distance",
                 f->total_variation, NULL, 0);
    if (f->stats & DD_STAT_Z)
        stat_row(out, 0, "z-test of means", "statistic", f->z_statistic, "p-value",
                 f->z_p_value);
    if (f->stats & DD_STAT_CHI2) {
        stat_row(out, 0, "Chi-square", "statistic", f->chi2_statistic, "p-value",
                 f->chi2_p_value);
        fprintf(out, "<tr><td></td><td>dof</td><td class=\"num\">%u</td><td></td><td></td></tr>\n",
                f->chi2_dof);
    }
    if (f->stats & DD_STAT_FISHER)
        stat_row(out, 0, "Fisher exact", "p-value", f->fisher_p_value, NULL, 0);
    if (f->stats == 0)
        fputs("<tr><td>none computed</td></tr>\n", out);
    fputs("</table>\n", out);
}

static void profile_row(FILE *out, const char *name, double ref, double cur) {
    char a[32], b[32];
    fprintf(out, "<tr><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n", name,
            fmt_number(a, sizeof(a), ref), fmt_number(b, sizeof(b), cur));
}

static void category_list(FILE *out, const char *label, const dd_category_count_t *list,
                          size_t total) {
    if (total == 0)
        return;
    fprintf(out, "<tr><td>%s</td><td colspan=\"2\">%zu: ", label, total);
    for (size_t i = 0; i < total && i < DD_COMPARE_CATEGORIES_LISTED; i++) {
        fputs(i ? ", " : "", out);
        html_text_cut(out, list[i].name, 40);
        fprintf(out, " (%llu)", (unsigned long long)list[i].count);
    }
    if (total > DD_COMPARE_CATEGORIES_LISTED)
        fputs(", &hellip;", out);
    fputs("</td></tr>\n", out);
}

static void profile(FILE *out, const dd_feature_result_t *f) {
    char a[32], b[32];
    fputs("<table class=\"stats\"><caption>Values</caption>\n<tr><th></th><th class=\"num\">"
          "reference</th><th class=\"num\">current</th></tr>\n",
          out);
    fprintf(out, "<tr><td>values</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td></tr>\n",
            (unsigned long long)f->n_reference, (unsigned long long)f->n_current);
    fprintf(out, "<tr><td>missing</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
            fmt_percent(a, sizeof(a), f->null_fraction_reference),
            fmt_percent(b, sizeof(b), f->null_fraction_current));
    if (f->kind == DD_COLUMN_NUMERIC && f->plot != NULL) {
        const dd_plot_summary_t *r = &f->plot->numeric.summary_reference;
        const dd_plot_summary_t *c = &f->plot->numeric.summary_current;
        profile_row(out, "mean", r->mean, c->mean);
        profile_row(out, "std", r->std, c->std);
        profile_row(out, "min", r->min, c->min);
        profile_row(out, "25%", r->p25, c->p25);
        profile_row(out, "median", r->median, c->median);
        profile_row(out, "75%", r->p75, c->p75);
        profile_row(out, "max", r->max, c->max);
    }
    if (f->kind == DD_COLUMN_CATEGORICAL) {
        fprintf(out, "<tr><td>categories</td><td class=\"num\">%llu</td><td class=\"num\">%llu"
                     "</td></tr>\n",
                (unsigned long long)f->categories_reference,
                (unsigned long long)f->categories_current);
        category_list(out, "new", f->new_categories, f->n_new_categories);
        category_list(out, "missing", f->missing_categories, f->n_missing_categories);
    }
    fputs("</table>\n", out);
}

/* The verdict's numbers: the deciding test against α, the effect against its floors, and the
 * p-value of every test combined (before the Bonferroni factor). */
static void verdict_table(FILE *out, const dd_verdict_t *v) {
    char a[32], b[32];
    fputs("<table class=\"stats\"><caption>Verdict</caption>\n", out);
    fprintf(out, "<tr><td>deciding test</td><td>%s</td><td class=\"num\">%s</td>"
                 "<td>tests combined</td><td class=\"num\">%u</td></tr>\n",
            v->test ? v->test : "none", v->test ? fmt_number(a, sizeof(a), v->statistic) : "",
            v->tests);
    stat_row(out, 0, "p-value (combined)", "p", v->p_value, "&alpha;", v->alpha);
    stat_row(out, 0, "smallest possible p", "p<sub>min</sub>", v->p_min, NULL, 0);
    fprintf(out, "<tr class=\"deciding\"><td>effect</td><td>%s</td><td class=\"num\">%s</td>"
                 "<td>conservative</td><td class=\"num\">%s</td></tr>\n",
            v->effect_name ? v->effect_name : "none", fmt_number(a, sizeof(a), v->effect),
            fmt_number(b, sizeof(b), v->effect_conservative));
    stat_row(out, 0, "floors", "warning from", v->warning_floor, "critical from", v->critical);
    stat_row(out, 0, "noise floor", "value", v->noise_floor, NULL, 0);
    fprintf(out, "<tr><td>sizes</td><td>n (current)</td><td class=\"num\">%llu</td>"
                 "<td>m (reference)</td><td class=\"num\">%llu</td></tr>\n",
            (unsigned long long)v->n_current, (unsigned long long)v->n_reference);
    const size_t listed = sizeof v->test_results / sizeof v->test_results[0];
    for (size_t i = 0; i < v->tests && i < listed; i++) {
        char name[64];
        snprintf(name, sizeof name, "test %s", v->test_results[i].name ? v->test_results[i].name
                                                                      : "?");
        stat_row(out, 0, name, "p", v->test_results[i].p_value, "statistic",
                 v->test_results[i].statistic);
    }
    fputs("</table>\n", out);
}

/* The quality conditions of a field, raised ones flagged, each with its reason. */
static void quality_section(FILE *out, const dd_feature_result_t *f) {
    char a[32], b[32], c[32], p[32];
    int critical;
    const int raised = quality_raised(f, &critical);
    fprintf(out, "<table class=\"quality\"><caption>Quality%s</caption>\n"
                 "<tr><th>condition</th><th>status</th><th class=\"num\">reference</th>"
                 "<th class=\"num\">current</th><th class=\"num\">increase</th>"
                 "<th class=\"num\">p-value</th><th>reason</th></tr>\n",
            raised ? (critical ? ": <span class=\"flag\">critical condition raised</span>"
                               : ": <span class=\"flag\">condition raised</span>")
                   : "");
    for (int q = 0; q < DD_QUALITY_N; q++) {
        const dd_quality_result_t *r = &f->quality[q];
        if (!r->applies)
            continue;
        const dd_verdict_t *v = &r->verdict;
        const int up = v->status == DD_VERDICT_DRIFT;
        fprintf(out, "<tr%s><td>%s%s</td><td><span class=\"badge %s\">%s</span></td>"
                     "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                     "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"why\">",
                up ? (v->severity == DD_SEVERITY_CRITICAL ? " class=\"raised critical\""
                                                          : " class=\"raised\"")
                   : "",
                up ? "<span class=\"flag\">&#9873;</span> " : "", dd_quality_name(q),
                verdict_class(v), verdict_text(v),
                fmt_percent(a, sizeof(a), r->reference_rate),
                fmt_percent(b, sizeof(b), r->current_rate), fmt_number(c, sizeof(c), v->effect),
                v->test ? fmt_number(p, sizeof(p), v->p_value) : "&mdash;");
        html_text(out, v->reason);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void feature(FILE *out, size_t index, const dd_feature_result_t *f) {
    const int skipped = f->role != DD_ROLE_JUDGE;
    fprintf(out, "<section class=\"card field %s%s\" id=\"f%zu\">\n<h2>", f->drift ? "drift " : "",
            skipped ? "skipped" : verdict_class(&f->verdict), index);
    html_text(out, f->name);
    badge(out, f);
    fprintf(out, "<span class=\"kind\">%s</span></h2>\n<p class=\"reason\">", kind_name(f));
    if (skipped) {
        fprintf(out, "Skipped: the schema gives this field the kind %s; it is not judged.</p>\n"
                     "</section>\n",
                dd_column_role_name(f->role));
        return;
    }
    html_text(out, f->verdict.reason);
    fputs("</p>\n", out);
    quality_section(out, f);
    fputs("<div class=\"cols\">\n<figure>\n", out);
    if (f->plot == NULL)
        fputs("<svg class=\"plot\" width=\"600\" height=\"40\"><text x=\"8\" y=\"24\">no plot data"
              "</text></svg>\n",
              out);
    else if (f->kind == DD_COLUMN_NUMERIC)
        plot_numeric(out, f, &f->plot->numeric);
    else
        plot_categorical(out, f, &f->plot->categorical);
    fputs("</figure>\n<div class=\"side\">\n", out);
    verdict_table(out, &f->verdict);
    drift_statistics(out, f);
    profile(out, f);
    fputs("</div>\n</div>\n</section>\n", out);
}

/* The performance card: a banner line, then one row per metric. */
static void performance(FILE *out, const dd_performance_result_t *p) {
    char a[32], b[32], c[32], lo[32], hi[32], pv[32], al[32];
    fprintf(out, "<div class=\"card\" id=\"performance\"><h2>Performance (%s)</h2>\n",
            dd_task_name(p->task));
    fputs("<p>Target <code>", out);
    html_text(out, p->target);
    fputs("</code>, prediction <code>", out);
    html_text(out, p->prediction);
    fputs("</code>", out);
    if (p->score != NULL) {
        fputs(", score <code>", out);
        html_text(out, p->score);
        fputs("</code>", out);
    }
    if (p->positive[0] != '\0') {
        fputs(", positive class <code>", out);
        html_text(out, p->positive);
        fputs("</code>", out);
    }
    fprintf(out, "; %llu and %llu rows with every column (%llu and %llu left out). "
                 "<span class=\"badge %s\">%zu of %zu tested metrics degraded</span> "
                 "&alpha; = %s per metric.</p>\n",
            (unsigned long long)p->rows_reference, (unsigned long long)p->rows_current,
            (unsigned long long)p->skipped_reference, (unsigned long long)p->skipped_current,
            p->critical ? "critical" : p->degraded ? "warning" : "stable", p->degraded, p->tested,
            fmt_number(al, sizeof al, p->alpha));
    fputs("<table class=\"quality\"><tr><th>Metric</th><th class=\"num\">Reference</th>"
          "<th class=\"num\">Current</th><th class=\"num\">Change</th>"
          "<th class=\"num\">Interval of the change</th><th class=\"num\">p-value</th>"
          "<th>Status</th></tr>\n",
          out);
    for (size_t i = 0; i < p->n_metrics; i++) {
        const dd_metric_t *m = &p->metrics[i];
        const int bad = m->status == DD_METRIC_DEGRADED;
        fprintf(out, "<tr%s><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                     "<td class=\"num\">%s</td><td class=\"num\">%s%s%s</td>"
                     "<td class=\"num\">%s</td><td>",
                bad ? (m->critical ? " class=\"raised critical\"" : " class=\"raised\"") : "",
                m->name, fmt_number(a, sizeof a, m->reference), fmt_number(b, sizeof b, m->current),
                fmt_number(c, sizeof c, m->change),
                isnan(m->ci_low) ? "" : fmt_number(lo, sizeof lo, m->ci_low),
                isnan(m->ci_low) ? "" : " to ",
                isnan(m->ci_low) ? "" : fmt_number(hi, sizeof hi, m->ci_high),
                isnan(m->p_value) ? "" : fmt_number(pv, sizeof pv, m->p_value));
        if (bad)
            fprintf(out, "<span class=\"badge %s\">degraded</span>",
                    m->critical ? "critical" : "warning");
        else if (m->status == DD_METRIC_STABLE)
            fputs("<span class=\"badge stable\">stable</span>", out);
        else if (m->status == DD_METRIC_INSUFFICIENT)
            fputs("<span class=\"badge insufficient\">insufficient data</span>", out);
        else
            fputs("reported", out);
        fputs("</td></tr>\n", out);
        if (m->tested) {
            fputs("<tr><td></td><td class=\"why\" colspan=\"6\">", out);
            html_text(out, m->reason);
            fputs("</td></tr>\n", out);
        }
    }
    fputs("</table></div>\n", out);
}

/* The fill of a heat-map cell for a change of r: red for a rise, blue for a fall, opaque from a
 * change of 0.5; light grey where undefined. */
static void change_fill(FILE *out, double change) {
    if (isnan(change)) {
        fputs("#eaeef2", out);
        return;
    }
    double t = fabs(change) / 0.5;
    t = t > 1 ? 1 : t;
    const int r0 = change >= 0 ? 207 : 9, g0 = change >= 0 ? 34 : 105, b0 = change >= 0 ? 46 : 218;
    const int r = (int)lround(255 - t * (255 - r0)), g = (int)lround(255 - t * (255 - g0)),
              b = (int)lround(255 - t * (255 - b0));
    fprintf(out, "#%02x%02x%02x", r, g, b);
}

/* The correlations card: a heat map of every pair's change of r, then the changed pairs. */
static void correlations(FILE *out, const dd_correlation_result_t *c) {
    if (c->n_columns < 2)
        return;
    const size_t k = c->n_columns;
    const int cell = k <= 20 ? 22 : k <= 50 ? 10 : 6, label = 150;
    const int side = (int)k * cell;
    char a[32], b[32], d[32], al[32];
    fprintf(out, "<div class=\"card\" id=\"correlations\"><h2>Correlations</h2>\n<p>Spearman's r "
                 "of %zu numeric columns in each file (%zu pairs, %zu tested%s): ",
            k, c->pairs, c->tested, c->left_out ? "; more columns left out" : "");
    fprintf(out, "<span class=\"badge %s\">%zu changed</span> &alpha; = %s per pair; a change "
                 "matters from %.1f, critical from %.1f.</p>\n",
            c->critical ? "critical" : c->changed ? "warning" : "stable", c->changed,
            fmt_number(al, sizeof al, c->alpha), DD_CORRELATION_WARNING, DD_CORRELATION_CRITICAL);
    fprintf(out, "<figure><svg width=\"%d\" height=\"%d\" role=\"img\" "
                 "aria-label=\"change of correlation per pair\">\n",
            label + side + 2, side + 2);
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", label - 4,
                (int)i * cell + cell / 2 + 4);
        html_text_cut(out, c->names[i], 22);
        fputs("</text>\n", out);
        for (size_t j = 0; j < k; j++) {
            if (i == j)
                continue;
            const double ch = c->current[i * k + j] - c->reference[i * k + j];
            fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"", label +
                    (int)j * cell, (int)i * cell, cell - 1, cell - 1);
            change_fill(out, ch);
            fputs("\"><title>", out);
            html_text_cut(out, c->names[i], 60);
            fputs(" ~ ", out);
            html_text_cut(out, c->names[j], 60);
            fprintf(out, ": r %s &#8594; %s (%s)</title></rect>\n",
                    fmt_number(a, sizeof a, c->reference[i * k + j]),
                    fmt_number(b, sizeof b, c->current[i * k + j]), fmt_number(d, sizeof d, ch));
        }
    }
    fputs("</svg><figcaption>Change of r per pair (row ~ column): red a rise, blue a fall, "
          "full colour from 0.5; grey where r is undefined. Hover a cell for its values."
          "</figcaption></figure>\n",
          out);
    if (c->changed > 0) {
        fputs("<table class=\"quality\"><tr><th>Pair</th><th class=\"num\">Reference r</th>"
              "<th class=\"num\">Current r</th><th class=\"num\">Change</th>"
              "<th class=\"num\">p-value</th><th>Status</th></tr>\n",
              out);
        for (size_t i = 0; i < c->n_top && c->top[i].status == DD_CORRELATION_CHANGED; i++) {
            const dd_correlation_pair_t *p = &c->top[i];
            fprintf(out, "<tr class=\"raised%s\"><td>", p->critical ? " critical" : "");
            html_text(out, c->names[p->a]);
            fputs(" ~ ", out);
            html_text(out, c->names[p->b]);
            fprintf(out, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                         "<td class=\"num\">%s</td><td class=\"num\">%s</td><td><span class=\"badge "
                         "%s\">changed</span></td></tr>\n",
                    fmt_number(a, sizeof a, p->reference), fmt_number(b, sizeof b, p->current),
                    fmt_number(d, sizeof d, p->change), fmt_number(al, sizeof al, p->p_value),
                    p->critical ? "critical" : "warning");
        }
        fputs("</table>\n", out);
    }
    fputs("</div>\n", out);
}

/* The multivariate card: the verdict, the mean errors, and what moved most. */
static void multivariate(FILE *out, const dd_multivariate_result_t *m) {
    if (m->n_columns < 2)
        return;
    char a[32], b[32], c[32];
    const char *badge = m->status != DD_MV_CHANGED ? (m->status == DD_MV_STABLE ? "stable" : "")
                        : m->critical              ? "critical"
                                                   : "warning";
    fprintf(out, "<div class=\"card\" id=\"multivariate\"><h2>Multivariate</h2>\n<p>Reconstruction "
                 "error of %zu numeric columns from the reference's principal components%s: "
                 "<span class=\"badge %s\">%s</span></p>\n<p>",
            m->n_columns, m->left_out ? " (more columns left out)" : "", badge,
            m->status == DD_MV_CHANGED  ? (m->critical ? "changed (critical)" : "changed")
            : m->status == DD_MV_STABLE ? "stable"
                                        : "insufficient data");
    html_text(out, m->reason);
    fputs("</p>\n", out);
    if (m->status == DD_MV_INSUFFICIENT) {
        fputs("</div>\n", out);
        return;
    }
    fputs("<table class=\"quality\"><tr><th>Column</th><th class=\"num\">Reference residual</th>"
          "<th class=\"num\">Current residual</th></tr>\n",
          out);
    for (size_t i = 0; i < m->n_fields; i++) {
        fputs("<tr><td>", out);
        html_text(out, m->names[m->fields[i].index]);
        fprintf(out, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
                fmt_number(a, sizeof a, m->fields[i].reference),
                fmt_number(b, sizeof b, m->fields[i].current));
    }
    fputs("</table>\n<table class=\"quality\"><tr><th>Component left out</th>"
          "<th class=\"num\">Reference variance</th><th class=\"num\">Current variance</th>"
          "<th>Loads most on</th></tr>\n",
          out);
    for (size_t i = 0; i < m->n_left; i++) {
        const dd_mv_component_t *p = &m->left[i];
        fprintf(out, "<tr><td>%zu</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>",
                p->rank, fmt_number(a, sizeof a, p->reference),
                fmt_number(b, sizeof b, p->current));
        for (int t = 0; t < 2 && p->top[t] < m->n_columns; t++) {
            fprintf(out, "%s%s ", t ? ", " : "", fmt_number(c, sizeof c, p->loading[t]));
            html_text(out, m->names[p->top[t]]);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</div>\n", out);
}

int dd_compare_write_html(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                          size_t cur_rows, const dd_compare_result_t *r,
                          const dd_performance_result_t *perf, const dd_correlation_result_t *corr,
                          const dd_multivariate_result_t *mv) {
    page_head(out, ref_path, cur_path);
    summary(out, ref_path, ref_rows, cur_path, cur_rows, r, perf, corr, mv);
    if (perf != NULL)
        performance(out, perf);
    if (corr != NULL)
        correlations(out, corr);
    if (mv != NULL)
        multivariate(out, mv);
    overview(out, r);
    for (size_t i = 0; i < r->n_features; i++)
        feature(out, i, &r->features[i]);
    fputs("<footer>driftd " DRIFTD_VERSION " &middot; <code>driftd compare --format html</code>"
          " &middot; verdicts as in docs/judging.md, reports as in docs/compare.md</footer>\n"
          "</main>\n</body>\n</html>\n",
          out);
    return ferror(out) ? -1 : 0;
}
