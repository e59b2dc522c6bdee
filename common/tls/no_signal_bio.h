#pragma once
// A socket BIO that sends with MSG_NOSIGNAL: a peer that closed its end is an
// error to handle, not a SIGPIPE that kills the process. Libraries must not
// change the process's signal disposition, so the fix lives here.
#include <openssl/types.h>

namespace portcullis::tls {

// A BIO over fd (not owned: the caller closes it).
BIO* newNoSignalSocketBio(int fd);

}  // namespace portcullis::tls
