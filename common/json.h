/* Writing JSON: strings escaped for any input bytes. */
#ifndef KSPLICE_JSON_H
#define KSPLICE_JSON_H

#include <stdio.h>

/* s as a JSON string (quoted): quotes, backslashes and control characters
 * escaped, valid UTF-8 kept, any other byte written as U+FFFD; NULL as
 * null. */
void ksp_json_string(FILE *f, const char *s);

#endif
