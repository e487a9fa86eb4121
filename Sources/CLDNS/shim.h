#ifndef SENDERWATCH_CLDNS_SHIM_H
#define SENDERWATCH_CLDNS_SHIM_H
/* stdbool.h first, or every ldns `bool` imports into Swift as Int8. */
#include <stdbool.h>
#include <ldns/ldns.h>
#endif
