/* Why kmod-helper refused to apply an update: its abort cause turned into
 * the message and kind ksplice-apply reports. */
#include "refusal.h"
#include "helper_client.h"
#include "ksplice_update.h"
#include "redirectors.h"

#include <stdio.h>
#include <string.h>

/* The helper could not own a function's fentry call: someone else does
 * (detail: "FUNCTION: ..."). Names the owner where user space can tell. */
static int redirected(const char *detail, struct ksp_error *err)
{
	char func[KSPLICE_NAME_LEN + 1], owner[256];
	snprintf(func, sizeof(func), "%.*s", (int)strcspn(detail, ":"), detail);
	if (!ksp_redirector(func, owner, sizeof(owner)))
		snprintf(owner, sizeof(owner),
			 "another ftrace IPMODIFY user (livepatch, kprobe "
			 "or BPF trampoline)");
	return ksp_failc(err, KSP_E_REDIRECTED,
			 "redirected: %s is already redirected by %s; nothing was changed: "
			 "disable that redirector first",
			 func, owner);
}

static int threads_stuck(const char *conflicts, int no_kick, struct ksp_error *err)
{
	return ksp_failc(
		err, KSP_E_THREADS_STUCK,
		"threads_stuck: the same threads were in the code to replace on every "
		"try, so retrying cannot help (pid comm function: %s); %s",
		conflicts,
		no_kick ? "without --no-kick, user threads are kicked out"
			: "kernel threads, uninterruptible sleeps and system calls a kick could "
			  "disturb are not kicked out (see each thread): stop what keeps them "
			  "there");
}

int ksp_apply_refused(const char *id, int no_kick, char *cause_name, size_t cause_len,
		      struct ksp_error *err)
{
	enum ksplice_abort_cause cause;
	char detail[1024] = "", conflicts[4096] = "";
	int known = ksp_helper_abort_cause(id, &cause) == 0;
	const char *name = known ? ksp_abort_cause_name(cause) : "";
	ksp_helper_abort_detail(id, detail, sizeof(detail));
	snprintf(cause_name, cause_len, "%s", name);
	if (known && (cause == KSPLICE_CODE_BUSY || cause == KSPLICE_THREADS_STUCK))
		ksp_helper_conflicts(id, conflicts, sizeof(conflicts));
	if (known && cause == KSPLICE_CODE_BUSY)
		return ksp_failc(err, KSP_E_CODE_BUSY,
				 "code_busy: threads are running the code to replace (pid comm "
				 "function: %s); retry when they are idle",
				 conflicts);
	if (known && cause == KSPLICE_THREADS_STUCK)
		return threads_stuck(conflicts, no_kick, err);
	if (known && cause == KSPLICE_REDIRECTED)
		return redirected(detail, err);
	if (known && cause == KSPLICE_NO_MATCH)
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: the code changed since it was matched: %s", detail);
	return ksp_failc(err, KSP_E_HELPER_REFUSED, "the helper refused the update: %s%s%s", name,
			 detail[0] ? ": " : "", detail);
}
