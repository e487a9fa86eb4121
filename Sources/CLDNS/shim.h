#ifndef SENDERWATCH_CLDNS_SHIM_H
#define SENDERWATCH_CLDNS_SHIM_H
/* stdbool.h first, or every ldns `bool` imports into Swift as Int8. */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <openssl/crypto.h>

/* OpenSSL set up once, without its atexit cleanup (see LDNSRuntime). */
static inline bool senderwatch_openssl_init(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL) == 1;
}
/* glibc's pthread_timedjoin_np, declared here because the system headers only show it under _GNU_SOURCE. */
extern int pthread_timedjoin_np(pthread_t thread, void **result, const struct timespec *abstime);
static inline int senderwatch_timed_join(pthread_t thread, const struct timespec *deadline) {
    return pthread_timedjoin_np(thread, NULL, deadline);
}
#endif
