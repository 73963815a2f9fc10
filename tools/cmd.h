/*
 * Subcommands of the tiergate binary: one file each, cmd_<name>.c,
 * exporting int cmd_<name>(int argc, char **argv) that returns the exit
 * code (0 ok, 1 gate failed, 2 usage or bad input, 3 internal or I/O).
 */
#ifndef TG_CMD_H
#define TG_CMD_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} tg_cmd;

int cmd_synth(int argc, char **argv);
int cmd_check_schema(int argc, char **argv);
int cmd_preview(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/** The dispatch table, ending with a NULL name. */
extern const tg_cmd tg_commands[];

#endif
