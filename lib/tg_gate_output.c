/*
 * A gate result in each output form (tg_gate_output.h). The text form
 * ends with one wrapped line on the verdict's reliability, so a reader
 * of the terminal table sees it too.
 */
#include "tg_gate_output.h"

#include <stdlib.h>

#include "tg_error.h"
#include "tg_render.h"
#include "tg_report.h"
#include "tg_textfit.h"

cJSON *tg_gate_output_json(const tg_gate_result *r, const tg_plan *plan)
{
    cJSON *j = tg_gate_result_json(r);
    if (j && plan)
        cJSON_AddItemToObject(j, "reliability", tg_plan_json(plan, r));
    return j;
}

static int write_json(FILE *out, const tg_gate_result *r, const tg_plan *plan,
                      int html)
{
    cJSON *j = tg_gate_output_json(r, plan);
    if (!j)
        return TG_ENOMEM;
    int rc = TG_OK;
    if (html) {
        tg_report_html(out, j, NULL);
    } else {
        char *s = cJSON_Print(j);
        if (s)
            fprintf(out, "%s\n", s);
        else
            rc = TG_ENOMEM;
        cJSON_free(s);
    }
    cJSON_Delete(j);
    return rc;
}

static void write_text(FILE *out, const tg_gate_result *r, const tg_plan *plan,
                       const tg_gate_output_options *o)
{
    tg_render_gate_text(out, r, o->color, o->width);
    if (!plan)
        return;
    char line[256], n[32];
    snprintf(line, sizeof line,
             "reliability: a model converting at its expected rates passes "
             "%.1f%% of %s simulated releases; one without signal is "
             "blocked in %.1f%% (details: tiergate plan)",
             100 * plan->pass_at_expected,
             tg_fmt_count((unsigned long long)plan->opt.draws, n),
             100 * plan->block_at_no_signal);
    tg_text_wrap(out, line, o->width > 0 ? o->width : 80, 0, 2);
}

int tg_gate_output_write(FILE *out, const tg_gate_result *r,
                         const tg_plan *plan, tg_gate_output form,
                         const tg_gate_output_options *o)
{
    tg_gate_output_options def = TG_GATE_OUTPUT_OPTIONS_INIT;
    if (!o)
        o = &def;
    int rc = TG_OK;
    switch (form) {
    case TG_GATE_OUT_JSON: rc = write_json(out, r, plan, 0); break;
    case TG_GATE_OUT_HTML: rc = write_json(out, r, plan, 1); break;
    case TG_GATE_OUT_MARKDOWN:
        tg_render_gate_markdown(out, r);
        if (plan) {
            fputc('\n', out);
            tg_render_plan_markdown(out, plan, r);
        }
        break;
    case TG_GATE_OUT_JUNIT: tg_render_gate_junit(out, r); break;
    case TG_GATE_OUT_TEXT: write_text(out, r, plan, o); break;
    }
    if (rc == TG_OK && ferror(out))
        rc = TG_EIO;
    return rc;
}

char *tg_gate_output_string(const tg_gate_result *r, const tg_plan *plan,
                            tg_gate_output form,
                            const tg_gate_output_options *o, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        return NULL;
    int rc = tg_gate_output_write(m, r, plan, form, o);
    if (fclose(m) != 0 || rc != TG_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}
