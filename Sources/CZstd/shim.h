#ifndef KPIQ_CZSTD_SHIM_H
#define KPIQ_CZSTD_SHIM_H

#include <zstd.h>

#endif
