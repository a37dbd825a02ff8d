/* auto.h - scope-bound cleanup over __attribute__((cleanup)).
 *
 *   AUTOFREE char *s = strdup(x);      freed when s leaves scope
 *   return TAKE(&s);                   hand ownership out (s becomes NULL)
 *
 * jansson ships json_auto_t for json_t references it owns.  Never put a
 * borrowed reference (json_object_get()) in one: that decrefs twice.
 */
#ifndef FERRY_AUTO_H
#define FERRY_AUTO_H

#include <stdlib.h>

static inline void
auto_free(void *p)
{
    free(*(void **)p);
}

static inline void *
take_ptr(void **pp)
{
    void *p = *pp;

    *pp = NULL;
    return p;
}

#define AUTOFREE __attribute__((cleanup(auto_free)))
#define TAKE(pp) take_ptr((void **)(pp))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
