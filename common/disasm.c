#include "disasm.h"

#include <bfd.h>
#include <dis-asm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct text_sink {
	char *buf;
	size_t len, used;
};

static int sink_vprintf(struct text_sink *s, const char *fmt, va_list ap)
{
	int n = vsnprintf(s->buf + s->used, s->len - s->used, fmt, ap);
	if (n > 0)
		s->used = s->used + (size_t)n < s->len ? s->used + (size_t)n : s->len - 1;
	return n;
}

static int sink_printf(void *stream, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = sink_vprintf(stream, fmt, ap);
	va_end(ap);
	return n;
}

/* libopcodes 2.39+ prints through a styled callback too; style is for
 * colour, which a report does not need. */
static int sink_styled_printf(void *stream, enum disassembler_style style, const char *fmt, ...)
{
	(void)style;
	va_list ap;
	va_start(ap, fmt);
	int n = sink_vprintf(stream, fmt, ap);
	va_end(ap);
	return n;
}

/* Relative branches are recognised from their opcodes: libopcodes' x86
 * backend does not fill disassemble_info's insn_type and target. */
static void decode_branch(const unsigned char *p, unsigned len, struct ksp_insn *insn)
{
	unsigned i = 0;
	while (i < len && (p[i] == 0x2e || p[i] == 0x3e)) /* branch hint prefixes */
		i++;
	if (i >= len)
		return;
	unsigned op = p[i], rest = len - i;
	if ((op == 0xe8 || op == 0xe9) && rest == 5) {
		insn->branch = op == 0xe8 ? KSP_CALL : KSP_JMP;
		insn->disp_size = 4;
	} else if (op == 0xeb && rest == 2) {
		insn->branch = KSP_JMP;
		insn->disp_size = 1;
	} else if (op >= 0x70 && op <= 0x7f && rest == 2) {
		insn->branch = KSP_JCC;
		insn->cond = op & 0xf;
		insn->disp_size = 1;
	} else if (op == 0x0f && rest == 6 && p[i + 1] >= 0x80 && p[i + 1] <= 0x8f) {
		insn->branch = KSP_JCC;
		insn->cond = p[i + 1] & 0xf;
		insn->disp_size = 4;
	} else if (op >= 0xe0 && op <= 0xe3 && rest == 2) {
		insn->branch = KSP_JCC;
		insn->cond = 16 + (op - 0xe0);
		insn->disp_size = 1;
	} else {
		return;
	}
	insn->disp_off = len - insn->disp_size;
	const unsigned char *d = p + insn->disp_off;
	insn->disp = insn->disp_size == 1 ? (int8_t)d[0]
					  : (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 |
						      (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24);
}

void ksp_insn_decode(const unsigned char *bytes, size_t avail, uint64_t vma, struct ksp_insn *insn)
{
	static disassembler_ftype disassemble;
	memset(insn, 0, sizeof(*insn));
	if (!disassemble)
		disassemble = disassembler(bfd_arch_i386, 0, bfd_mach_x86_64, NULL);
	struct text_sink sink = {insn->text, sizeof(insn->text), 0};
	disassemble_info info;
	init_disassemble_info(&info, &sink, sink_printf, sink_styled_printf);
	info.arch = bfd_arch_i386;
	info.mach = bfd_mach_x86_64;
	info.buffer = (bfd_byte *)bytes;
	info.buffer_length = avail;
	info.buffer_vma = vma;
	disassemble_init_for_target(&info);
	int len = avail ? disassemble(vma, &info) : -1;
	if (len <= 0 || (size_t)len > avail || strstr(insn->text, "(bad)")) {
		insn->len = 0;
		return;
	}
	insn->len = (unsigned)len;
	insn->nop = strncmp(insn->text, "nop", 3) == 0 || strstr(insn->text, " nop") ||
		    strcmp(insn->text, "xchg   %ax,%ax") == 0;
	decode_branch(bytes, insn->len, insn);
}

int ksp_is_endbr64(const unsigned char *bytes)
{
	static const unsigned char endbr64[KSP_ENDBR_LEN] = {0xf3, 0x0f, 0x1e, 0xfa};
	return memcmp(bytes, endbr64, KSP_ENDBR_LEN) == 0;
}

int ksp_is_sealed_endbr(const unsigned char *bytes)
{
	static const unsigned char poison[KSP_ENDBR_LEN] = {0x66, 0x0f, 0x1f, 0x00};
	return memcmp(bytes, poison, KSP_ENDBR_LEN) == 0;
}
