// Every public header of troupe/net: TCP on the netpoller.
// Include the single headers instead to keep builds lean; this one is for quick starts.
#ifndef TROUPE_NET_ALL_H_
#define TROUPE_NET_ALL_H_

#include "troupe/net/buffered_reader.h"  // IWYU pragma: export
#include "troupe/net/tcp.h"  // IWYU pragma: export

#endif  // TROUPE_NET_ALL_H_
