// Security of a node's NATS connection (see security.h).
//
// What the client reports, and what it becomes (checked against nats-server 2.9
// and libnats 3.4 by tests/remote/remote_security_test.cc):
//   credentials refused or missing   NATS_CONNECTION_AUTH_FAILED, "Authorization
//                                    Violation" -> Unauthenticated
//   server's certificate untrusted,  NATS_SSL_ERROR, "SSL handshake error: ..."
//   or not for the expected host     -> FailedPrecondition, "TLS ..."
//   TLS asked for, server offers none NATS_SECURE_CONNECTION_WANTED -> the same
//   server requires a client         the server closes the connection after the
//   certificate and has none          handshake: NATS_PROTOCOL_ERROR ("Expected
//                                    'PONG', got ''") -> the same, when TLS was on
//   a file the client cannot use     NATS_SSL_ERROR when set (CA, certificate,
//                                    key), NATS_ERR at connect (seed and
//                                    credentials files: "no nkey user seed found")
//                                    -> InvalidArgument
//   no server reachable              anything else -> Unavailable
// A server that requires TLS (--tls) makes the client use it even when not asked
// for; its certificate is then checked against the system's trust store, so that
// failure too reads as TLS.
//
// Rejected: deriving an NKey's public key from its seed here (it needs ed25519,
// which the client keeps internal): the public key is a setting, as the server's
// configuration lists it.
#include "troupe/remote/internal/security.h"

#include <nats/nats.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace troupe::remote_internal {
namespace {

// The user-information part ("user:password", "token") of each server url in
// `url` (a comma-separated list), empty for those without.
std::vector<absl::string_view> UrlUserInfos(absl::string_view url) {
  std::vector<absl::string_view> infos;
  for (absl::string_view server : absl::StrSplit(url, ',')) {
    const std::size_t scheme = server.find("://");
    const absl::string_view rest =
        scheme == absl::string_view::npos ? server : server.substr(scheme + 3);
    const std::size_t at = rest.find('@');
    infos.push_back(at == absl::string_view::npos ? absl::string_view() : rest.substr(0, at));
  }
  return infos;
}

// The secret of one url's user information: the password, or the whole of a token.
absl::string_view UserInfoSecret(absl::string_view info) {
  const std::size_t colon = info.find(':');
  return colon == absl::string_view::npos ? info : info.substr(colon + 1);
}

absl::Status CheckReadable(absl::string_view field, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must name a readable file; cannot read \"", path, "\": ", std::strerror(errno)));
  }
  std::fclose(file);
  return absl::OkStatus();
}

bool IsUserPublicKey(absl::string_view key) {
  if (key.size() != 56 || key.front() != 'U') return false;
  for (char c : key) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) && (c < '2' || c > '7')) return false;
  }
  return true;
}

// The ways to authenticate `auth` and `url` set, by name.
std::vector<std::string> AuthWays(absl::string_view url, const RemoteAuth& auth) {
  std::vector<std::string> ways;
  if (!auth.token.empty()) ways.push_back("auth.token");
  if (!auth.user.empty() || !auth.password.empty()) ways.push_back("auth.user and auth.password");
  if (!auth.nkey_public_key.empty() || !auth.nkey_seed_file.empty()) {
    ways.push_back("auth.nkey_public_key and auth.nkey_seed_file");
  }
  if (!auth.credentials_file.empty()) ways.push_back("auth.credentials_file");
  for (absl::string_view info : UrlUserInfos(url)) {
    if (!info.empty()) {
      ways.push_back("credentials in the url");
      break;
    }
  }
  return ways;
}

// What the node offered the server, for a refusal's message (no secret in it).
std::string CredentialsOffered(absl::string_view url, const RemoteAuth& auth) {
  if (!auth.token.empty()) return "auth.token";
  if (!auth.user.empty()) return absl::StrCat("user \"", auth.user, "\"");
  if (!auth.nkey_public_key.empty()) return absl::StrCat("NKey ", auth.nkey_public_key);
  if (!auth.credentials_file.empty()) {
    return absl::StrCat("credentials file \"", auth.credentials_file, "\"");
  }
  if (!AuthWays(url, auth).empty()) return "credentials in the url";
  return "none: RemoteNodeOptions::auth is empty";
}

// The client's text without its "(conn.c:1905): " source position.
absl::string_view WithoutSourcePosition(absl::string_view text) {
  if (absl::StartsWith(text, "(")) {
    const std::size_t end = text.find("): ");
    if (end != absl::string_view::npos) return text.substr(end + 3);
  }
  return text;
}

}  // namespace

bool SignsServerNonce(const RemoteAuth& auth) {
  return !auth.nkey_seed_file.empty() || !auth.credentials_file.empty();
}

bool TlsRequested(absl::string_view url, const RemoteTls& tls) {
  return tls.enabled || absl::StrContains(absl::AsciiStrToLower(url), "tls://");
}

absl::Status ValidateSecurity(absl::string_view url, const RemoteAuth& auth,
                              const RemoteTls& tls) {
  const std::vector<std::string> ways = AuthWays(url, auth);
  if (ways.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "auth: set at most one way to authenticate (auth.token; auth.user and auth.password; "
        "auth.nkey_public_key and auth.nkey_seed_file; auth.credentials_file; or credentials "
        "in the url); got ",
        absl::StrJoin(ways, ", ")));
  }
  if (!auth.password.empty() && auth.user.empty()) {
    return absl::InvalidArgumentError("auth.password needs auth.user; got a password only");
  }
  if (auth.nkey_public_key.empty() != auth.nkey_seed_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "auth.nkey_public_key and auth.nkey_seed_file go together; got ",
        auth.nkey_public_key.empty() ? "nkey_seed_file only" : "nkey_public_key only"));
  }
  if (!auth.nkey_public_key.empty() && !IsUserPublicKey(auth.nkey_public_key)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "auth.nkey_public_key must be a user's public NKey (56 characters of base32, the first "
        "'U'); got \"",
        auth.nkey_public_key, "\""));
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.cert_file and tls.key_file go together; got ",
        tls.cert_file.empty() ? "key_file only" : "cert_file only"));
  }
  const bool tls_files = !tls.ca_file.empty() || !tls.cert_file.empty() ||
                         !tls.expected_hostname.empty();
  if (tls_files && !TlsRequested(url, tls)) {
    return absl::InvalidArgumentError(
        "tls.ca_file, tls.cert_file, tls.key_file and tls.expected_hostname need TLS on: set "
        "tls.enabled or use a tls:// url");
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"auth.nkey_seed_file", &auth.nkey_seed_file},
      {"auth.credentials_file", &auth.credentials_file},
      {"tls.ca_file", &tls.ca_file},
      {"tls.cert_file", &tls.cert_file},
      {"tls.key_file", &tls.key_file}};
  for (const auto& [field, path] : files) {
    if (path->empty()) continue;
    if (absl::Status readable = CheckReadable(field, *path); !readable.ok()) return readable;
  }
  return absl::OkStatus();
}

absl::Status ApplySecurity(const RemoteAuth& auth, const RemoteTls& tls, natsOptions* options) {
  // The step that failed, named for the message; the client's own text says why.
  const char* step = nullptr;
  natsStatus status = NATS_OK;
  auto apply = [&](const char* what, natsStatus result) {
    if (status == NATS_OK && result != NATS_OK) {
      status = result;
      step = what;
    }
  };
  if (!auth.token.empty()) apply("auth.token", natsOptions_SetToken(options, auth.token.c_str()));
  if (!auth.user.empty()) {
    apply("auth.user", natsOptions_SetUserInfo(options, auth.user.c_str(), auth.password.c_str()));
  }
  if (!auth.nkey_public_key.empty()) {
    apply("auth.nkey_seed_file",
          natsOptions_SetNKeyFromSeed(options, auth.nkey_public_key.c_str(),
                                      auth.nkey_seed_file.c_str()));
  }
  if (!auth.credentials_file.empty()) {
    apply("auth.credentials_file",
          natsOptions_SetUserCredentialsFromFiles(options, auth.credentials_file.c_str(), nullptr));
  }
  if (tls.enabled) apply("tls.enabled", natsOptions_SetSecure(options, true));
  if (!tls.ca_file.empty()) {
    apply("tls.ca_file", natsOptions_LoadCATrustedCertificates(options, tls.ca_file.c_str()));
  }
  if (!tls.cert_file.empty()) {
    apply("tls.cert_file and tls.key_file",
          natsOptions_LoadCertificatesChain(options, tls.cert_file.c_str(),
                                            tls.key_file.c_str()));
  }
  if (!tls.expected_hostname.empty()) {
    apply("tls.expected_hostname",
          natsOptions_SetExpectedHostname(options, tls.expected_hostname.c_str()));
  }
  if (status == NATS_OK) return absl::OkStatus();
  // The text names files, never their contents.
  const char* text = nats_GetLastError(nullptr);
  return absl::InvalidArgumentError(absl::StrCat(
      step, ": the NATS client cannot use it: ", natsStatus_GetText(status), " (",
      WithoutSourcePosition(text != nullptr ? text : ""), ")"));
}

absl::Status ConnectError(absl::string_view url, const RemoteAuth& auth, const RemoteTls& tls,
                          natsStatus status, absl::string_view client_text) {
  const std::string server = absl::StrCat("nats-server at ", RedactUrl(url));
  const std::string text = ScrubSecrets(WithoutSourcePosition(client_text), url, auth);
  const std::string why = text.empty() ? natsStatus_GetText(status) : text;
  switch (status) {
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return absl::UnauthenticatedError(absl::StrCat(
          server, " refused the credentials (", CredentialsOffered(url, auth), "): ", why));
    case NATS_SSL_ERROR:
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS handshake with ", server, " failed: ", why,
          tls.ca_file.empty() ? " (no tls.ca_file: the system's trust store was used)" : ""));
    case NATS_SECURE_CONNECTION_WANTED:
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS: ", server, " offers no TLS, and tls.enabled or a tls:// url asks for it"));
    case NATS_SECURE_CONNECTION_REQUIRED:
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS: ", server, " requires TLS; set tls.enabled (and tls.ca_file)"));
    case NATS_PROTOCOL_ERROR:
    case NATS_CONNECTION_CLOSED:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
      if (TlsRequested(url, tls)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "TLS: ", server, " closed the connection after the handshake, as a server that "
            "verifies clients (--tlsverify) does when the client certificate is ",
            tls.cert_file.empty() ? "missing (tls.cert_file is not set)"
                                  : "not signed by a CA it trusts",
            ": ", why));
      }
      break;
    case NATS_ERR:
      // The client reads the seed and credentials files when it connects.
      if (SignsServerNonce(auth)) {
        return absl::InvalidArgumentError(absl::StrCat(
            auth.nkey_seed_file.empty() ? "auth.credentials_file" : "auth.nkey_seed_file",
            ": the NATS client cannot use it: ", why));
      }
      break;
    default:
      break;
  }
  return absl::UnavailableError(absl::StrCat("cannot connect to ", server, ": ", why));
}

std::string RedactUrl(absl::string_view url) {
  std::string redacted(url);
  const std::vector<absl::string_view> infos = UrlUserInfos(url);
  // From the last server back, so that a replacement moves none still to be made.
  for (auto info = infos.rbegin(); info != infos.rend(); ++info) {
    const absl::string_view secret = UserInfoSecret(*info);
    if (secret.empty()) continue;
    redacted.replace(static_cast<std::size_t>(secret.data() - url.data()), secret.size(), "***");
  }
  return redacted;
}

std::string ScrubSecrets(absl::string_view text, absl::string_view url, const RemoteAuth& auth) {
  std::string scrubbed(text);
  std::vector<std::string> secrets = {auth.token, auth.password};
  for (absl::string_view info : UrlUserInfos(url)) secrets.emplace_back(UserInfoSecret(info));
  for (const std::string& secret : secrets) {
    if (!secret.empty()) absl::StrReplaceAll({{secret, "***"}}, &scrubbed);
  }
  return scrubbed;
}

}  // namespace troupe::remote_internal
