#include "objtool_pass.h"

#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* objtool-args in Makefile.vmlinux_o is vmlinux.o's; objtool-args-y and
 * delay-objtool come from Makefile.lib, which it includes. */
static const char print_rule[] = "ksplice-print-objtool:\n"
				 "\t@echo 'delayed: $(delay-objtool)'\n"
				 "\t@echo 'vmlinux: $(objtool-args)'\n"
				 "\t@echo 'unit: $(objtool-args-y)'\n";

/* The words after "label: " on its line of out, plus extra, as an argv. */
static char **words_of_line(const char *out, const char *label, const char *const *extra)
{
	const char *line = strstr(out, label);
	size_t cap = 8, n = 0;
	char **argv = calloc(cap, sizeof(*argv));
	char *copy = NULL;
	if (!argv || !line)
		goto fail;
	line += strlen(label);
	copy = strndup(line, strcspn(line, "\n"));
	if (!copy)
		goto fail;
	for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w || (extra && *extra);
	     w = w ? strtok_r(NULL, " \t", &save) : NULL) {
		const char *word = w ? w : *extra++;
		if (n + 2 > cap) {
			char **grown = realloc(argv, (cap *= 2) * sizeof(*argv));
			if (!grown)
				goto fail;
			argv = grown;
		}
		if (!(argv[n++] = strdup(word)))
			goto fail;
		argv[n] = NULL;
	}
	free(copy);
	return argv;
fail:
	free(copy);
	for (size_t i = 0; argv && i < n; i++)
		free(argv[i]);
	free(argv);
	return NULL;
}

int ksp_objtool_pass_open(const struct ksp_tree *t, struct ksp_objtool_pass *p,
			  struct ksp_error *err)
{
	memset(p, 0, sizeof(*p));
	char rule[4096];
	if (ksp_kbuild_write_rules(print_rule, rule, sizeof(rule)))
		return ksp_fail(err, "cannot write a temporary makefile: %s", strerror(errno));
	const char *argv[] = {"make",	   "-s",    "--no-print-directory",
			      "-C",	   t->path, "srctree=.",
			      "objtree=.", "-f",    "scripts/Makefile.vmlinux_o",
			      "-f",	   rule,    "ksplice-print-objtool",
			      NULL};
	char out[8192];
	int status = ksp_run_capture(argv, NULL, out, sizeof(out));
	unlink(rule);
	if (status != 0)
		return ksp_failc(err, KSP_E_TREE,
				 "%s: kbuild could not say how it runs objtool "
				 "(scripts/Makefile.vmlinux_o)",
				 t->path);
	const char *delayed = strstr(out, "delayed: ");
	p->delayed = delayed && delayed[strlen("delayed: ")] == 'y';
	if (!p->delayed)
		return 0;
	/* Makefile.lib's objtool-args for a module's linked object
	 * ($(multi-obj-m): part-of-module := y, with delay-objtool). */
	static const char *const module_extra[] = {"--link", "--module", NULL};
	p->vmlinux = words_of_line(out, "vmlinux: ", NULL);
	p->module = words_of_line(out, "unit: ", module_extra);
	if (asprintf(&p->objtool, "%s/tools/objtool/objtool", t->path) < 0)
		p->objtool = NULL;
	if (!p->vmlinux || !p->module || !p->objtool) {
		ksp_objtool_pass_close(p);
		return ksp_fail(err, "out of memory");
	}
	if (access(p->objtool, X_OK) != 0) {
		ksp_failc(err, KSP_E_TREE,
			  "%s: missing, and this kernel runs objtool at link time "
			  "(prepare the tree: scripts/testbed setup, or make prepare)",
			  p->objtool);
		ksp_objtool_pass_close(p);
		return -1;
	}
	return 0;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

void ksp_objtool_pass_close(struct ksp_objtool_pass *p)
{
	free_argv(p->vmlinux);
	free_argv(p->module);
	free(p->objtool);
	memset(p, 0, sizeof(*p));
}

/* A module whose name is its only object's (loop.o in loop.ko): kbuild's
 * is-single-obj-m. A multi-object module never has an object of its own
 * name, kbuild would link it into itself. */
static int is_single_object_module(const char *object, const char *module)
{
	const char *base = strrchr(object, '/');
	base = base ? base + 1 : object;
	size_t n = strlen(base);
	if (n < 3 || strcmp(base + n - 2, ".o") != 0 || n - 2 != strlen(module))
		return 0;
	for (size_t i = 0; i < n - 2; i++) {
		char c = base[i] == '-' || base[i] == ',' ? '_' : base[i];
		if (c != module[i])
			return 0;
	}
	return 1;
}

int ksp_objtool_pass_needed(const struct ksp_objtool_pass *p, const char *object,
			    const char *module)
{
	if (!p->delayed)
		return 0;
	return !(module && module[0] && is_single_object_module(object, module));
}

int ksp_objtool_pass_run(const struct ksp_objtool_pass *p, const char *path, const char *module,
			 const char *log, struct ksp_error *err)
{
	char *const *args = module && module[0] ? p->module : p->vmlinux;
	size_t n = 0;
	while (args[n])
		n++;
	const char **argv = calloc(n + 3, sizeof(*argv));
	if (!argv)
		return ksp_fail(err, "out of memory");
	argv[0] = p->objtool;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	argv[n + 1] = path;
	int status = ksp_run_logged(argv, log);
	free(argv);
	if (status == 0)
		return 0;
	char first[512];
	ksp_first_error_line(log, first, sizeof(first));
	return ksp_failc(err, KSP_E_BUILD, "objtool failed on %s (%s; full log: %s)", path, first,
			 log);
}
