#ifndef SENDERWATCH_CCURL_SHIM_H
#define SENDERWATCH_CCURL_SHIM_H
#include <stdbool.h>
#include <curl/curl.h>
#endif
