/*
 * The one JSON writer: every --json output of the tools goes through it.
 * Strings are escaped for any input bytes: quotes, backslashes and control
 * characters escaped, valid UTF-8 kept, any other byte written as U+FFFD;
 * a NULL string is null. The writer places the commas; keys are given
 * inside objects and NULL inside arrays.
 *
 *	struct ksp_json j;
 *	ksp_json_begin(&j, stdout);
 *	ksp_json_object(&j, NULL);
 *	ksp_json_str(&j, "id", id);
 *	ksp_json_array(&j, "functions");
 *	...
 *	ksp_json_close(&j);	(the array)
 *	ksp_json_close(&j);	(the object; a newline follows the outermost)
 */
#ifndef KSPLICE_JSON_H
#define KSPLICE_JSON_H

#include <stdint.h>
#include <stdio.h>

#define KSP_JSON_MAX_DEPTH 16

struct ksp_json {
	FILE *f;
	int depth;
	unsigned char items[KSP_JSON_MAX_DEPTH]; /* 1: a value was written at that level */
	char closer[KSP_JSON_MAX_DEPTH];
};

void ksp_json_begin(struct ksp_json *j, FILE *f);

/* Opens an object or an array as the value of key (NULL: an array element
 * or the outermost value). */
void ksp_json_object(struct ksp_json *j, const char *key);
void ksp_json_array(struct ksp_json *j, const char *key);
/* Closes the innermost open object or array. */
void ksp_json_close(struct ksp_json *j);

void ksp_json_str(struct ksp_json *j, const char *key, const char *value);
void ksp_json_int(struct ksp_json *j, const char *key, long long value);
void ksp_json_uint(struct ksp_json *j, const char *key, unsigned long long value);
void ksp_json_bool(struct ksp_json *j, const char *key, int value);
void ksp_json_null(struct ksp_json *j, const char *key);
/* An address as a string, "0x..." in lower-case hex. */
void ksp_json_addr(struct ksp_json *j, const char *key, uint64_t value);

/* s as a JSON string (quoted), escaped as above. */
void ksp_json_string(FILE *f, const char *s);

#endif
