#ifndef SENDERWATCH_CZLIB_SHIM_H
#define SENDERWATCH_CZLIB_SHIM_H
#include <zlib.h>
#endif
