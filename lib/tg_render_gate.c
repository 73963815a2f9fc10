/*
 * Gate writers: a terminal table, a Markdown summary and JUnit XML. They
 * format a tg_gate_result and compute nothing.
 */
#include <math.h>
#include <string.h>

#include "tg_gate.h"
#include "tg_render.h"


static tg_unit unit_of(const tg_gate_outcome *o)
{
    switch (o->gate->check) {
    case TG_CHECK_LIFT: return TG_UNIT_LIFT;
    case TG_CHECK_VOLUME_COUNT:
    case TG_CHECK_TIER_SIZE: return TG_UNIT_COUNT;
    case TG_CHECK_TEST_TRAIN_LIFT: return TG_UNIT_RATIO;
    default: return TG_UNIT_PCT;
    }
}

static void actual_text(const tg_gate_outcome *o, char *buf, size_t n)
{
    char a[32], l[32], h[32];
    tg_unit u = unit_of(o);
    if (isfinite(o->ci_lower) && o->gate->check != TG_CHECK_CI_SEPARATION)
        snprintf(buf, n, "%s [%s, %s]", tg_fmt_unit(o->actual, u, a),
                 tg_fmt_unit(o->ci_lower, u, l), tg_fmt_unit(o->ci_upper, u, h));
    else if (o->gate->check == TG_CHECK_CI_SEPARATION && isfinite(o->ci_lower))
        snprintf(buf, n, "[%s, %s]", tg_fmt_unit(o->ci_lower, u, l),
                 tg_fmt_unit(o->ci_upper, u, h));
    else
        snprintf(buf, n, "%s", tg_fmt_unit(o->actual, u, a));
}

static void threshold_text(const tg_gate_outcome *o, char *buf, size_t n)
{
    char a[32], b[32];
    tg_unit u = unit_of(o);
    if (o->gate->check == TG_CHECK_CI_SEPARATION)
        snprintf(buf, n, "lower > %s", tg_fmt_unit(o->min, u, a));
    else if (!isnan(o->min) && !isnan(o->max))
        snprintf(buf, n, "%s to %s", tg_fmt_unit(o->min, u, a), tg_fmt_unit(o->max, u, b));
    else if (!isnan(o->min))
        snprintf(buf, n, ">= %s", tg_fmt_unit(o->min, u, a));
    else if (!isnan(o->max))
        snprintf(buf, n, "<= %s", tg_fmt_unit(o->max, u, a));
    else
        snprintf(buf, n, "-");
}

static const char *status_word(tg_gate_status s)
{
    static const char *w[] = {"PASS", "WARN", "FAIL", "INSUFFICIENT",
                              "INCONCLUSIVE"};
    return (unsigned)s < 5 ? w[s] : "?";
}

void tg_render_gate_text(FILE *out, const tg_gate_result *r, int color)
{
    static const char *col[] = {"\033[32m", "\033[33m", "\033[31m", "\033[35m",
                                "\033[36m"};
    fprintf(out, "%s (%s) · policy %s · judged on %s · %s %g%% intervals%s\n",
            r->rules->model_id, r->rules->model_version, r->policy->policy_id,
            r->policy->judge == TG_JUDGE_POINT ? "point estimates"
                                               : "intervals",
            tg_ci_name(r->ci_method), r->ci_level * 100,
            r->strict ? " · strict" : "");
    fprintf(out, "%-17s %-40s %-26s %-5s %-27s %-18s %s\n", "GATE", "CHECK",
            "TIER", "SPLIT", "ACTUAL [CI]", "THRESHOLD", "STATUS");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        char act[96], thr[64];
        actual_text(o, act, sizeof act);
        threshold_text(o, thr, sizeof thr);
        fprintf(out, "%-17.17s %-40.40s %-26.26s %-5s %-27s %-18s %s%s%s%s\n",
                o->gate->id, o->gate->description,
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "(priority tiers)",
                tg_split_name(o->split), act, thr, color ? col[o->status] : "",
                status_word(o->status), color ? "\033[0m" : "",
                o->status != TG_STATUS_PASS && !o->blocks ? " (warning)"
                                                          : "");
    }
    /* Say why for everything that did not pass. */
    int header = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status == TG_STATUS_PASS)
            continue;
        if (!header++)
            fprintf(out, "\n");
        fprintf(out, "%s %s%s%s: %s\n", status_word(o->status), o->gate->id,
                o->tier >= 0 ? " " : "",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "", o->message);
    }
    fprintf(out, "\noverall: %s%s%s (%d pass, %d warn, %d fail, %d "
                 "insufficient, %d inconclusive)\n",
            color ? col[r->status == TG_OVERALL_PASSED ? 0
                        : r->status == TG_OVERALL_FAILED ? 2 : 1] : "",
            tg_overall_name(r->status), color ? "\033[0m" : "", r->passed,
            r->warned, r->failed, r->insufficient, r->inconclusive);
}

static void md_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

void tg_render_gate_markdown(FILE *out, const tg_gate_result *r)
{
    static const char *icon[] = {"✅ pass", "⚠️ warn", "❌ fail",
                                 "❔ insufficient", "❓ inconclusive"};
    static const char *overall[] = {"✅ PASSED", "⚠️ PASSED_WITH_WARNINGS",
                                    "❌ FAILED"};
    fprintf(out, "## tiergate: %s %s — %s\n\n", r->rules->model_id,
            r->rules->model_version, overall[r->status]);
    fprintf(out, "Policy `%s` · judged on %s · %s %g%% intervals · %d pass, "
                 "%d warn, %d fail, %d insufficient, %d inconclusive\n\n",
            r->policy->policy_id,
            r->policy->judge == TG_JUDGE_POINT ? "point estimates"
                                               : "intervals",
            tg_ci_name(r->ci_method), r->ci_level * 100,
            r->passed, r->warned, r->failed, r->insufficient, r->inconclusive);
    fprintf(out, "| Gate | Check | Tier | Split | Actual [CI] | Threshold | "
                 "Status |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        char act[96], thr[64];
        actual_text(o, act, sizeof act);
        threshold_text(o, thr, sizeof thr);
        fprintf(out, "| %s | ", o->gate->id);
        md_escape(out, o->gate->description);
        fprintf(out, " | %s%s%s | %s | %s | %s | %s |\n",
                o->tier >= 0 ? "`" : "",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "priority tiers",
                o->tier >= 0 ? "`" : "", tg_split_name(o->split), act, thr,
                icon[o->status]);
    }
    int header = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status == TG_STATUS_PASS)
            continue;
        if (!header++)
            fprintf(out, "\n**Not passed**\n\n");
        fprintf(out, "- **%s**%s%s: ", o->gate->id, o->tier >= 0 ? " " : "",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "");
        md_escape(out, o->message);
        fprintf(out, " (%s%s)\n", tg_status_name(o->status),
                o->status != TG_STATUS_PASS && !o->blocks ? ", warning"
                : o->blocks ? ", blocks" : "");
    }
}

static void xml_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            /* Control characters other than tab/newline are not XML. */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                fputc(*s, out);
        }
    }
}

void tg_render_gate_junit(FILE *out, const tg_gate_result *r)
{
    int failures = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        failures += o->blocks ||
                    (r->strict && o->status != TG_STATUS_PASS);
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tiergate\" tests=\"%d\" failures=\"%d\" "
                 "errors=\"0\">\n", r->noutcomes, failures);
    fprintf(out, "  <testsuite name=\"");
    xml_escape(out, r->rules->model_id);
    fprintf(out, " / ");
    xml_escape(out, r->policy->policy_id);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" "
                 "timestamp=\"%.19s\">\n", r->noutcomes, failures,
            r->generated_at);
    fprintf(out, "    <properties>\n"
                 "      <property name=\"status\" value=\"%s\"/>\n"
                 "      <property name=\"rules_sha256\" value=\"%s\"/>\n"
                 "      <property name=\"policy_sha256\" value=\"%s\"/>\n"
                 "    </properties>\n",
            tg_overall_name(r->status), r->rules->sha256, r->policy->sha256);
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        fprintf(out, "    <testcase classname=\"");
        xml_escape(out, o->gate->id);
        fprintf(out, "\" name=\"");
        xml_escape(out, o->gate->description);
        fprintf(out, " [%s %s]\" time=\"0\">\n",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "priority tiers",
                tg_split_name(o->split));
        int is_failure = o->blocks ||
                         (r->strict && o->status != TG_STATUS_PASS);
        if (is_failure) {
            fprintf(out, "      <failure type=\"%s\" message=\"",
                    tg_status_name(o->status));
            xml_escape(out, o->message);
            fprintf(out, "\">");
            xml_escape(out, o->message);
            fprintf(out, "</failure>\n");
        }
        fprintf(out, "      <system-out>%s: ",
                o->status == TG_STATUS_PASS ? "PASS" : status_word(o->status));
        xml_escape(out, o->message);
        fprintf(out, "</system-out>\n    </testcase>\n");
    }
    fprintf(out, "  </testsuite>\n</testsuites>\n");
}
