// The security of a node's NATS connection: checking RemoteAuth and RemoteTls
// (remote_options.h), giving them to the NATS C client, and saying what a refused
// connect or subscription means, in words that name the setting to change.
//
// Secrets: the token, the password (also one written in the url as
// user:password@) and what the seed and credentials files hold are passed to the
// client and never copied into a Status or a log line; errors name the way of
// authenticating, the user name, the public key or the file's path instead, and
// text that comes from the client is scrubbed of them (ScrubSecrets).
#ifndef TROUPE_REMOTE_INTERNAL_SECURITY_H_
#define TROUPE_REMOTE_INTERNAL_SECURITY_H_

#include <nats/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "troupe/remote/remote_options.h"

struct __natsOptions;

namespace troupe::remote_internal {

// OK, or InvalidArgument saying what is allowed: at most one way to authenticate
// (in `auth` or in the url's user:password@ / token@), a password only with a user,
// an NKey's public key and seed file together, a client certificate and its key
// together, TLS files only with TLS on, and every file named readable.
absl::Status ValidateSecurity(absl::string_view url, const RemoteAuth& auth,
                              const RemoteTls& tls);

// Sets `auth` and `tls` on the client's options (validated first). A file the
// client cannot load (a CA file that holds no certificate) is InvalidArgument.
absl::Status ApplySecurity(const RemoteAuth& auth, const RemoteTls& tls, __natsOptions* options);

// The status of a failed natsConnection_Connect, from the client's status and its
// last error text: Unauthenticated when the server refused the credentials (or
// wanted some and none were given), FailedPrecondition saying TLS when the TLS
// handshake failed, InvalidArgument for a seed or credentials file the client
// could not use, else Unavailable (no server reachable).
absl::Status ConnectError(absl::string_view url, const RemoteAuth& auth, const RemoteTls& tls,
                          natsStatus status, absl::string_view client_text);

// `url` with the password or token it holds (user:password@, token@) replaced by
// "***", for messages.
std::string RedactUrl(absl::string_view url);

// `text` with the token and passwords of `auth` and `url` replaced by "***".
std::string ScrubSecrets(absl::string_view text, absl::string_view url, const RemoteAuth& auth);

// True if `auth` signs the server's nonce when it connects: an NKey (its seed file)
// or a credentials file.
bool SignsServerNonce(const RemoteAuth& auth);

// True if TLS is on: asked for, or a tls:// url.
bool TlsRequested(absl::string_view url, const RemoteTls& tls);

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_SECURITY_H_
