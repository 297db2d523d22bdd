/*
 * analysis.c - the pipeline of one repository: history (with the classifier
 * as its message callback) -> refs resolved -> advisories -> releases ->
 * metrics -> gates. Owns nothing beyond the gv_analysis it returns.
 */
#include "gv/analysis.h"
#include "gv/regex.h"

#include <stdlib.h>
#include <string.h>

int gv_analysis_run(gv_analysis **out, const gv_analysis_opts *opts,
		    gv_error *err)
{
	gv_analysis *a;
	gv_regex *pattern = NULL;
	gv_history_opts ho;
	const char *pat = opts->release_pattern;
	size_t i;
	int error;

	*out = NULL;
	if (!(a = calloc(1, sizeof(*a))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	a->metrics_opts = opts->metrics;
	/* gates first: a typo must not cost a whole analysis */
	if (opts->ngates &&
	    !(a->gates = calloc(opts->ngates, sizeof(*a->gates)))) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < opts->ngates; i++, a->ngates++)
		if ((error = gv_gate_parse(&a->gates[i], opts->gates[i], err)))
			goto done;
	if (!pat)
		pat = opts->include_prereleases ? GV_RELEASE_PATTERN_PRERELEASES
						: GV_RELEASE_PATTERN_DEFAULT;
	if ((error = gv_regex_compile(&pattern, pat, err))) {
		gv_error_prefix(err, "release pattern");
		goto done;
	}
	if ((error = gv_classes_new(&a->classes, opts->rules, err)))
		goto done;
	memset(&ho, 0, sizeof(ho));
	ho.path = opts->path;
	ho.revs = opts->revs;
	ho.nrevs = opts->nrevs;
	ho.all = opts->all;
	ho.tag_filter = gv_releases_tag_filter;
	ho.tag_payload = pattern;
	ho.on_message = gv_classify_cb;
	ho.msg_payload = a->classes;
	if ((error = gv_history_load(&a->history, &ho, &a->warnings, err)) ||
	    (error = gv_classes_resolve(a->classes, a->history, &a->warnings, err)))
		goto done;
	for (i = 0; i < opts->nadvisories; i++)
		if ((error = gv_classes_add_advisories(a->classes, a->history,
						       opts->advisories[i],
						       &a->warnings, err)))
			goto done;
	if ((error = gv_releases_compute(&a->releases, a->history, err)) ||
	    (error = gv_metrics_compute(&a->metrics, a->history, a->classes,
					a->releases, &a->metrics_opts, err)))
		goto done;
	for (i = 0; i < a->ngates; i++)
		gv_gate_eval(&a->gates[i], a->metrics);
	*out = a;
	a = NULL;
done:
	gv_regex_free(pattern);
	gv_analysis_free(a);
	return error;
}

void gv_analysis_free(gv_analysis *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->ngates; i++)
		gv_gate_free(&a->gates[i]);
	free(a->gates);
	gv_metrics_free(a->metrics);
	gv_releases_free(a->releases);
	gv_classes_free(a->classes);
	gv_history_free(a->history);
	gv_warnings_free(&a->warnings);
	free(a);
}
