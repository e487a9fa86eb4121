#ifndef SENDERWATCH_CCURL_SHIM_H
#define SENDERWATCH_CCURL_SHIM_H
#include <stdbool.h>
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per
   argument kind. */
static inline CURLcode sw_curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sw_curl_setopt_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sw_curl_setopt_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sw_curl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sw_curl_setopt_readfunction(CURL *c, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(c, CURLOPT_READFUNCTION, f);
}
static inline CURLcode sw_curl_setopt_writefunction(CURL *c, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode sw_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
/* The certificate chain of the last transfer (CURLOPT_CERTINFO): one slist of "Name:value" per certificate. */
static inline int sw_curl_certinfo_count(CURL *c) {
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || info == NULL) return 0;
    return info->num_of_certs;
}
static inline struct curl_slist *sw_curl_certinfo_at(CURL *c, int index) {
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || info == NULL || index >= info->num_of_certs) return NULL;
    return info->certinfo[index];
}
#endif
