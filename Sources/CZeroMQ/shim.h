#ifndef NEWS_CZEROMQ_SHIM_H
#define NEWS_CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <sys/eventfd.h>

/// Size of zmq_msg_t, for Swift code that allocates one.
static inline size_t czmq_msg_size(void) { return sizeof(zmq_msg_t); }

/// errno of the calling thread, readable from Swift without the Glibc overlay's macro.
static inline int czmq_errno(void) { return errno; }

/// True when libzmq was built with the CURVE security mechanism.
static inline int czmq_has_curve(void) { return zmq_has("curve"); }

#endif
