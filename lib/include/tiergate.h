/*
 * tiergate: the public API of libtiergate, one header per module.
 */
#ifndef TIERGATE_H
#define TIERGATE_H

#include "tg_error.h"
#include "tg_util.h"
#include "tg_json.h"
#include "tg_csv.h"
#include "tg_stream.h"
#include "tg_cond.h"
#include "tg_rules.h"
#include "tg_tally.h"
#include "tg_scan.h"
#include "tg_stats.h"
#include "tg_preview.h"
#include "tg_render.h"
#include "tg_synth.h"
#include "tg_summary.h"
#include "tg_policy.h"
#include "tg_gate.h"
#include "tg_score.h"
#include "tg_sql.h"
#include "tg_git.h"
#include "tg_calibrate.h"
#include "tg_registry.h"
#include "tg_log.h"
#include "tg_release.h"
#include "tg_report.h"
#include "tg_compare.h"
#include "tg_lint.h"
#include "tg_version.h"
#include "tg_verdict.h"
#include "tg_monitor.h"
#include "tg_monitor_policy.h"
#include "tg_render_monitor.h"

#endif
