// The functions of this target are static inline in include/ckpiq_support.h; SwiftPM needs
// one C source file to build the target.
#include "ckpiq_support.h"
