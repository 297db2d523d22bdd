/*
 * gates.h - CI gates: `--fail-if 'change_failure_rate > 0.15'`.
 *
 * A gate is `PATH OP VALUE`: PATH names a number of the report's `metrics`
 * (or `counts`), as the JSON spells it, with or without the "metrics."
 * prefix ("lead_time.median_s", "security.unreleased_fixes"); a bare metric
 * name means its headline number (a rate, per_week, or median_s). OP is one
 * of > >= < <= == !=. VALUE is a number, a duration (7d, 36h, 30min: in
 * seconds), or, for a `.level` path, a DORA level (low < medium < high <
 * elite). A gate holds ("fires") when the comparison is true; a gate on a
 * null value (no samples, no level) does not fire and says so.
 */
#ifndef GV_GATES_H
#define GV_GATES_H

#include "gv/common.h"
#include "gv/metrics.h"

enum gv_gate_op { GV_OP_GT, GV_OP_GE, GV_OP_LT, GV_OP_LE, GV_OP_EQ, GV_OP_NE };

enum gv_gate_status {
	GV_GATE_UNEVALUATED = 0,
	GV_GATE_PASSED,   /* the comparison is false */
	GV_GATE_FIRED,    /* the comparison holds */
	GV_GATE_NULL      /* the value is null: not evaluated */
};

typedef struct gv_gate {
	char *expr;        /* as given; owned */
	char path[64];     /* canonical, e.g. "change_failure_rate.rate" */
	int op;            /* enum gv_gate_op */
	int is_level;      /* compares DORA levels (enum gv_level) */
	double threshold;
	char unit[4];      /* a duration threshold's unit as written ("d",
	                      "min"), so values print in it; "" otherwise */
	double unit_s;     /* seconds per unit; 0 when unit is "" */
	/* set by gv_gate_eval() */
	int status;        /* enum gv_gate_status */
	double value;
} gv_gate;

/* Parses `expr` into g (the caller frees with gv_gate_free()). A malformed
 * expression or an unknown path is GV_EUSAGE with a message that says what
 * is wrong and, for an unknown path, what the paths look like. */
int gv_gate_parse(gv_gate *g, const char *expr, gv_error *err);
void gv_gate_free(gv_gate *g);
/* Evaluates g against the metrics; sets status and value. */
void gv_gate_eval(gv_gate *g, const gv_metrics *m);
/* ">", ">=", ...; the threshold or value as text ("0.15", "elite"), a
 * duration in the unit the threshold was written in ("7d", "9.5d"). */
const char *gv_gate_op_name(int op);
void gv_gate_format(char *buf, size_t size, const gv_gate *g, int value);

#endif
