/*
 * Preview writers: text for terminals, Markdown for pull requests, CSV
 * for spreadsheets. They compute nothing.
 */
#include "tg_render.h"

#include <math.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_textfit.h"
#include "tg_util.h"

const char *tg_fmt_count(unsigned long long v, char buf[32])
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", v), w = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[w++] = ',';
        buf[w++] = tmp[i];
    }
    buf[w] = '\0';
    return buf;
}

const char *tg_fmt_unit(double v, tg_unit u, char buf[32])
{
    if (!isfinite(v)) {
        snprintf(buf, 32, "n/a");
        return buf;
    }
    switch (u) {
    case TG_UNIT_PCT: snprintf(buf, 32, "%.2f%%", v * 100); break;
    case TG_UNIT_LIFT: snprintf(buf, 32, "%.2fx", v); break;
    case TG_UNIT_RATIO: snprintf(buf, 32, "%.2f", v); break;
    default:
        /* Counts come from tallies, but a value outside 0..9e15 is never
         * cast (that cast would be undefined): it is printed as is. */
        if (v >= 0 && v <= 9e15)
            tg_fmt_count((unsigned long long)v, buf);
        else
            snprintf(buf, 32, "%.0f", v);
        break;
    }
    return buf;
}

const char *tg_fmt_pct(double v, int decimals, char buf[32])
{
    if (!isfinite(v))
        snprintf(buf, 32, "n/a");
    else
        snprintf(buf, 32, "%.*f%%", decimals, v * 100);
    return buf;
}

static const char *fmt_lift(double v, char buf[32])
{
    if (!isfinite(v))
        snprintf(buf, 32, "n/a");
    else
        snprintf(buf, 32, "%.2fx", v);
    return buf;
}

static void split_heading(FILE *out, const tg_split_stats *s, const char *pre,
                          int width)
{
    char a[32], b[32], c[32], d[32], f[11], l[11], line[512];
    int len = snprintf(line, sizeof line,
                       "%s%s: %s leads, %s labeled, %s conversions, "
                       "baseline %s",
                       pre, tg_split_name(s->split), tg_fmt_count(s->rows, a),
                       tg_fmt_count(s->labeled, b),
                       tg_fmt_count(s->conversions, c),
                       tg_fmt_pct(s->baseline_rate, 2, d));
    if (s->baseline_pinned)
        len += snprintf(line + len, sizeof line - (size_t)len,
                        " (pinned, not measured)");
    if (s->first_date)
        snprintf(line + len, sizeof line - (size_t)len,
                 ", contacted %s to %s", tg_format_date(s->first_date, f),
                 tg_format_date(s->last_date, l));
    if (width > 0)
        tg_text_wrap(out, line, width, 0, 2);
    else
        fprintf(out, "%s\n", line);
}

static int imax(int a, int b) { return a > b ? a : b; }

/* The cells of one tier's row, after the name. */
enum { PV_LEADS, PV_LABELED, PV_CONV, PV_RATE, PV_LIFT, PV_CI, PV_N };

static void preview_cells(const tg_tier_stats *t, char cell[PV_N][80])
{
    char lo[32], hi[32];
    tg_fmt_count(t->leads, cell[PV_LEADS]);
    tg_fmt_count(t->labeled, cell[PV_LABELED]);
    tg_fmt_count(t->conversions, cell[PV_CONV]);
    tg_fmt_pct(t->rate, 2, cell[PV_RATE]);
    fmt_lift(t->lift, cell[PV_LIFT]);
    if (isfinite(t->ci_lower))
        snprintf(cell[PV_CI], 80, "[%s, %s]", tg_fmt_pct(t->ci_lower, 2, lo),
                 tg_fmt_pct(t->ci_upper, 2, hi));
    else
        snprintf(cell[PV_CI], 80, "n/a");
}

void tg_render_preview_text(FILE *out, const tg_split_stats *s, int n,
                            int width)
{
    for (int i = 0; i < n; i++) {
        const tg_split_stats *x = &s[i];
        if (i)
            fprintf(out, "\n");
        split_heading(out, x, "", width);
        char head[PV_N][80] = {"leads", "labeled", "conv", "rate", "lift", ""};
        snprintf(head[PV_CI], 80, "%g%% CI (%s)", x->ci_level * 100,
                 tg_ci_name(x->ci_method));
        /* Columns as wide as their widest cell; the fixed layout of
         * before when no width is given (--wide). */
        int w[PV_N], wname = 4;
        static const int fixed[PV_N] = {9, 9, 7, 8, 7, 0};
        for (int c = 0; c < PV_N; c++)
            w[c] = width > 0 ? tg_text_width(head[c]) : fixed[c];
        for (int k = 0; k < x->ntiers; k++) {
            char cell[PV_N][80];
            preview_cells(&x->tiers[k], cell);
            for (int c = 0; c < PV_N; c++)
                w[c] = imax(w[c], tg_text_width(cell[c]));
            wname = imax(wname, tg_text_width(x->tiers[k].tier));
        }
        if (width <= 0)
            wname = imax(wname, 28);
        int numbers = 0;
        for (int c = 0; c < PV_N; c++)
            numbers += w[c] + (c == PV_CI ? 2 : 1);
        /* A name that leaves no room for the numbers gets a line of its
         * own; the numbers follow, indented, on the next. */
        int own_line = width > 0 && 2 + wname + numbers > width;
        int lead = own_line ? 4 : 2 + wname;
        for (int k = -1; k < x->ntiers; k++) {
            char cell[PV_N][80];
            const char *name = "tier";
            if (k >= 0) {
                preview_cells(&x->tiers[k], cell);
                name = x->tiers[k].tier;
            } else {
                memcpy(cell, head, sizeof cell);
            }
            fputs("  ", out);
            if (own_line) {
                fprintf(out, "%s\n    ", name);
            } else {
                tg_text_pad(out, name, wname);
            }
            (void)lead;
            for (int c = 0; c < PV_N; c++) {
                fputs(c == PV_CI ? "  " : c == 0 && own_line ? "" : " ", out);
                if (c == PV_CI)
                    fputs(cell[c], out);
                else
                    tg_text_rpad(out, cell[c], w[c]);
            }
            fputc('\n', out);
        }
    }
}

void tg_render_preview_markdown(FILE *out, const tg_split_stats *s, int n)
{
    for (int i = 0; i < n; i++) {
        const tg_split_stats *x = &s[i];
        if (i)
            fprintf(out, "\n");
        fputs("### ", out);
        tg_esc_md(out, x->model_version);
        fprintf(out, " %s\n\n", tg_split_name(x->split));
        split_heading(out, x, "", 0);
        fprintf(out, "\n| Tier | Leads | Labeled | Conversions | Rate | Lift "
                     "| %g%% CI (%s) |\n", x->ci_level * 100,
                tg_ci_name(x->ci_method));
        fprintf(out, "|---|---:|---:|---:|---:|---:|---|\n");
        for (int k = 0; k < x->ntiers; k++) {
            const tg_tier_stats *t = &x->tiers[k];
            char a[32], b[32], c[32], r[32], l[32], lo[32], hi[32];
            fprintf(out, "| `%s` | %s | %s | %s | %s | %s | ", t->tier,
                    tg_fmt_count(t->leads, a), tg_fmt_count(t->labeled, b),
                    tg_fmt_count(t->conversions, c), tg_fmt_pct(t->rate, 2, r),
                    fmt_lift(t->lift, l));
            if (isfinite(t->ci_lower))
                fprintf(out, "%s – %s |\n", tg_fmt_pct(t->ci_lower, 2, lo),
                        tg_fmt_pct(t->ci_upper, 2, hi));
            else
                fprintf(out, "n/a |\n");
        }
    }
}

static void csv_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, ",%.17g", v);
    else
        fprintf(out, ",");
}

void tg_render_preview_csv(FILE *out, const tg_split_stats *s, int n)
{
    fprintf(out, "split,tier,leads,labeled,conversions,conversion_rate,lift,"
                 "ci_lower,ci_upper,baseline_rate,ci_method,ci_level\n");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s[i].ntiers; k++) {
            const tg_tier_stats *t = &s[i].tiers[k];
            fprintf(out, "%s,%s,%llu,%llu,%llu", tg_split_name(s[i].split),
                    t->tier, (unsigned long long)t->leads,
                    (unsigned long long)t->labeled,
                    (unsigned long long)t->conversions);
            csv_num(out, t->rate);
            csv_num(out, t->lift);
            csv_num(out, t->ci_lower);
            csv_num(out, t->ci_upper);
            csv_num(out, s[i].baseline_rate);
            fprintf(out, ",%s,%g\n", tg_ci_name(s[i].ci_method), s[i].ci_level);
        }
}
