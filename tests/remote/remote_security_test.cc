// RemoteNode's security against nats-servers the test starts with authentication,
// TLS and per-user permissions: the right credentials connect and an Ask works;
// wrong or missing ones fail Connect Unauthenticated, without the secret in the
// message; a failed TLS handshake fails it FailedPrecondition, saying TLS; a user
// allowed only its own system's subjects cannot join another system, and a publish
// the server refuses is counted; contradictory settings are InvalidArgument saying
// what is allowed; and a node connects with an NKey even when the first nonce's
// signature begins with a zero byte, which libnats 3.4.1 fails to send (a stand-in
// server, challenge_server.h, hands out that nonce).
//
// Test data (tests/remote/testdata/, made by the scripts there): a CA, a server
// certificate for 127.0.0.1/localhost and a client certificate it signed, another
// CA that signed neither; an NKey user; an operator, account and user JWT (a
// credentials file).
#include <nats/nats.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor_system.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/challenge_server.h"
#include "troupe/tests/remote/counter_actor.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/remote/test_messages.pb.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using remote_test::Command;
using remote_test::Total;
using remote_testing::Add;
using remote_testing::Counter;
using remote_testing::CounterMessage;
using remote_testing::CounterProbe;
using remote_testing::RemoteCommand;

constexpr char kToken[] = "t0ken-not-in-messages";
constexpr char kPassword[] = "passw0rd-not-in-messages";

std::string TestData(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/troupe/tests/remote/testdata/", name);
}

// The first line of a test data file.
std::string ReadLine(const std::string& name) {
  std::ifstream in(TestData(name));
  std::string line;
  std::getline(in, line);
  return line;
}

// Writes `text` to a file of the test's own and returns its path.
std::string WriteConfig(const std::string& name, const std::string& text) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> TlsServerArguments() {
  return {"--tls", "--tlscert", TestData("server.pem"), "--tlskey", TestData("server.key")};
}

RemoteTls TrustingTls() {
  RemoteTls tls;
  tls.enabled = true;
  tls.ca_file = TestData("ca.pem");
  return tls;
}

class RemoteSecurityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    harness_.Finish();
    server_.Stop();
  }

  // Starts the server with `arguments` (and the actor runtime).
  void StartServer(std::vector<std::string> arguments) {
    server_.AddArguments(std::move(arguments));
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
    harness_.Start(2);
  }

  absl::StatusOr<std::unique_ptr<RemoteNode>> Connect(RemoteAuth auth, RemoteTls tls = {},
                                                      const std::string& system = "secure") {
    RemoteNodeOptions options;
    options.url = server_.url();
    options.system = system;
    options.auth = std::move(auth);
    options.tls = std::move(tls);
    return RemoteNode::Connect(std::move(options));
  }

  // Two nodes with these settings: one publishes a counter, the other asks it.
  void ExpectAskWorks(const RemoteAuth& auth, const RemoteTls& tls = {},
                      const std::string& system = "secure") {
#if defined(__SANITIZE_THREAD__)
    // Debian's OpenSSL and libnats are not instrumented: closing a TLS connection
    // (libnats's reader thread in libssl against the closing write in libcrypto)
    // shows as a race inside them that troupe cannot change, and a suppression of
    // OpenSSL's own accesses (called_from_lib) did not take from the test binary.
    // TLS connections are checked in the plain and ASan runs.
    if (tls.enabled) GTEST_SKIP() << "a TLS connection under ThreadSanitizer (see the comment)";
#endif
    absl::StatusOr<std::unique_ptr<RemoteNode>> host = Connect(auth, tls, system);
    ASSERT_TRUE(host.ok()) << host.status();
    absl::StatusOr<std::unique_ptr<RemoteNode>> client = Connect(auth, tls, system);
    ASSERT_TRUE(client.ok()) << client.status();
    harness_.RunInFiber([&] {
      ActorRef<CounterMessage> counter = harness_.system().Spawn<Counter>(
          {.name = "counter"}, Channel<int>(1), std::make_shared<CounterProbe>());
      absl::Status published = (*host)->Publish<Command, Total>(
          "counter", counter, [](Command command, Reply<Total> reply) {
            return RemoteCommand{std::move(command), std::move(reply)};
          });
      ASSERT_TRUE(published.ok()) << published;
      absl::StatusOr<RemoteRef<Command, Total>> remote =
          (*client)->Lookup<Command, Total>("counter");
      ASSERT_TRUE(remote.ok()) << remote.status();
      absl::StatusOr<Total> total = remote->Ask(Add(7), absl::Seconds(20));
      ASSERT_TRUE(total.ok()) << total.status();
      EXPECT_EQ(total->total(), 7);
      counter.Stop();
      ASSERT_TRUE(counter.AwaitStop().ok());
    });
  }

  // Connect fails with `code`, its message holding each of `says` and no secret.
  void ExpectRefused(const RemoteAuth& auth, const RemoteTls& tls, absl::StatusCode code,
                     const std::vector<std::string>& says) {
    absl::Status status = Connect(auth, tls).status();
    EXPECT_EQ(status.code(), code) << status;
    for (const std::string& words : says) {
      EXPECT_NE(status.message().find(words), absl::string_view::npos)
          << "\"" << status.message() << "\" does not say \"" << words << "\"";
    }
    EXPECT_EQ(status.message().find(kToken), absl::string_view::npos) << status;
    EXPECT_EQ(status.message().find(kPassword), absl::string_view::npos) << status;
  }

  testing::NatsServer server_;
  testing::ActorHarness harness_;
};

RemoteAuth Token(const std::string& token) {
  RemoteAuth auth;
  auth.token = token;
  return auth;
}

RemoteAuth UserPassword(const std::string& user, const std::string& password) {
  RemoteAuth auth;
  auth.user = user;
  auth.password = password;
  return auth;
}

TEST_F(RemoteSecurityTest, RightTokenConnectsAndAsksWork) {
  StartServer({"--auth", kToken});
  ExpectAskWorks(Token(kToken));
}

TEST_F(RemoteSecurityTest, WrongOrMissingTokenIsUnauthenticatedWithoutTheToken) {
  StartServer({"--auth", kToken});
  ExpectRefused(Token(absl::StrCat(kToken, "-wrong")), {}, absl::StatusCode::kUnauthenticated,
                {"refused the credentials (auth.token)", "Authorization Violation"});
  ExpectRefused({}, {}, absl::StatusCode::kUnauthenticated,
                {"refused the credentials (none: RemoteNodeOptions::auth is empty)"});
}

TEST_F(RemoteSecurityTest, RightUserAndPasswordConnectAndAsksWork) {
  StartServer({"--user", "alice", "--pass", kPassword});
  ExpectAskWorks(UserPassword("alice", kPassword));
}

TEST_F(RemoteSecurityTest, WrongPasswordIsUnauthenticatedNamingTheUserNotThePassword) {
  StartServer({"--user", "alice", "--pass", kPassword});
  ExpectRefused(UserPassword("alice", absl::StrCat(kPassword, "-wrong")), {},
                absl::StatusCode::kUnauthenticated,
                {"nats-server at " + server_.url(), "refused the credentials (user \"alice\")"});
}

TEST_F(RemoteSecurityTest, PasswordInTheUrlIsRedactedFromMessages) {
  StartServer({"--user", "alice", "--pass", kPassword});
  RemoteNodeOptions options;
  options.url = absl::StrCat("nats://alice:", kPassword, "-wrong@127.0.0.1:", server_.port());
  absl::Status status = RemoteNode::Connect(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_NE(status.message().find(absl::StrCat("nats://alice:***@127.0.0.1:", server_.port())),
            absl::string_view::npos)
      << status;
  EXPECT_EQ(status.message().find(kPassword), absl::string_view::npos) << status;
}

TEST_F(RemoteSecurityTest, NKeyUserConnectsAndAsksWorkNoKeyIsUnauthenticatedNoSeedInvalid) {
  const std::string config = WriteConfig(
      "nkey.conf", absl::StrCat("authorization { users = [ { nkey: ", ReadLine("user.pub"),
                                " } ] }\n"));
  StartServer({"-c", config});
  RemoteAuth nkey;
  nkey.nkey_public_key = ReadLine("user.pub");
  nkey.nkey_seed_file = TestData("user.nk");
  ExpectAskWorks(nkey);
  ExpectRefused({}, {}, absl::StatusCode::kUnauthenticated, {"refused the credentials"});
  RemoteAuth not_a_seed = nkey;
  not_a_seed.nkey_seed_file = TestData("user.pub");
  ExpectRefused(not_a_seed, {}, absl::StatusCode::kInvalidArgument,
                {"auth.nkey_seed_file: the NATS client cannot use it: no nkey user seed found"});
}

// A nonce whose signature with the NKey seed in the test data file `seed_file`
// begins with a zero byte (`zero_first` true) or not: the first such of
// "challenge-0", "challenge-1", ...; or why there is none.
absl::StatusOr<std::string> NonceWhoseSignatureBegins(bool zero_first,
                                                      const std::string& seed_file) {
  if (nats_Open(-1) != NATS_OK) return absl::InternalError("nats_Open failed");
  const std::string seed = ReadLine(seed_file);
  for (int candidate = 0; candidate < 1 << 16; ++candidate) {
    const std::string nonce = absl::StrCat("challenge-", candidate);
    unsigned char* signature = nullptr;
    int length = 0;
    if (const natsStatus signed_nonce =
            nats_Sign(seed.c_str(), nonce.c_str(), &signature, &length);
        signed_nonce != NATS_OK) {
      const char* text = nats_GetLastError(nullptr);
      return absl::InternalError(absl::StrCat("nats_Sign with the seed in ", seed_file, ": ",
                                              natsStatus_GetText(signed_nonce), ": ",
                                              text != nullptr ? text : ""));
    }
    const bool zero = length > 0 && signature[0] == 0;
    std::free(signature);
    if (zero == zero_first) return nonce;
  }
  return absl::NotFoundError(absl::StrCat("no nonce of 65,536 tried has a signature that begins ",
                                          zero_first ? "with" : "without", " a zero byte"));
}

// libnats 3.4.1 sends no signature when it begins with a zero byte (1 nonce in
// 256; nats-io/nats.c#705) and the server refuses that connect; the node tries
// again with the next connection's nonce. (Also run by every other NKey and
// credentials test: against a real server, 1 connect in 256 meets such a nonce.)
TEST(RemoteSignedConnectTest, NodeConnectsWhenTheSignatureOfTheFirstNonceBeginsWithZero) {
  const absl::StatusOr<std::string> zero_first =
      NonceWhoseSignatureBegins(true, "user.nk");
  ASSERT_TRUE(zero_first.ok()) << zero_first.status();
  const absl::StatusOr<std::string> nonzero_first =
      NonceWhoseSignatureBegins(false, "user.nk");
  ASSERT_TRUE(nonzero_first.ok()) << nonzero_first.status();
  testing::ChallengeServer server({*zero_first, *nonzero_first});
  const absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  RemoteNodeOptions options;
  options.url = server.url();
  options.system = "secure";
  options.auth.nkey_public_key = ReadLine("user.pub");
  options.auth.nkey_seed_file = TestData("user.nk");
  absl::StatusOr<std::unique_ptr<RemoteNode>> node = RemoteNode::Connect(std::move(options));
  ASSERT_TRUE(node.ok()) << node.status();
  node->reset();
  const testing::ChallengeServer::Connects connects = server.connects();
  ASSERT_EQ(connects.with_signature.size(), 1u);
  EXPECT_LE(connects.without_signature.size(), 1u);
  if (connects.without_signature.empty()) {
    // A libnats without the bug signed the first nonce: nothing was retried.
    std::cout << "note: this libnats sent a signature that begins with a zero byte; the "
                 "retry was not exercised\n";
  }
}

TEST_F(RemoteSecurityTest, CredentialsFileOfAnOperatorsUserConnectsAndAsksWork) {
  // Decentralized authentication: the server trusts the operator, knows the
  // account from its JWT, and takes any user the account signed.
  const std::string config = WriteConfig(
      "operator.conf", absl::StrCat("operator: ", TestData("operator.jwt"),
                                    "\nresolver: MEMORY\nresolver_preload: { ",
                                    ReadLine("account.pub"), ": ", ReadLine("account.jwt"),
                                    " }\n"));
  StartServer({"-c", config});
  RemoteAuth credentials;
  credentials.credentials_file = TestData("user.creds");
  ExpectAskWorks(credentials);
  ExpectRefused({}, {}, absl::StatusCode::kUnauthenticated, {"refused the credentials"});
}

TEST_F(RemoteSecurityTest, TlsWithTheTrustedCaConnectsAndAsksWork) {
  StartServer(TlsServerArguments());
  ExpectAskWorks({}, TrustingTls());
}

TEST_F(RemoteSecurityTest, TlsServerWhoseCertificateIsNotTrustedFailsSayingTls) {
  StartServer(TlsServerArguments());
  // Not asking for TLS: the server requires it, the client follows, and its
  // certificate is not in the system's trust store.
  ExpectRefused({}, {}, absl::StatusCode::kFailedPrecondition,
                {"TLS handshake with nats-server at", "no tls.ca_file"});
  RemoteTls other_ca = TrustingTls();
  other_ca.ca_file = TestData("other_ca.pem");
  ExpectRefused({}, other_ca, absl::StatusCode::kFailedPrecondition,
                {"TLS handshake", "unable to get local issuer certificate"});
  RemoteTls other_name = TrustingTls();
  other_name.expected_hostname = "nats.example.com";
  ExpectRefused({}, other_name, absl::StatusCode::kFailedPrecondition,
                {"TLS handshake", "hostname mismatch"});
}

TEST_F(RemoteSecurityTest, TlsAskedOfAServerWithoutItFailsSayingTls) {
  StartServer({});
  ExpectRefused({}, TrustingTls(), absl::StatusCode::kFailedPrecondition,
                {"TLS: nats-server at", "offers no TLS"});
}

TEST_F(RemoteSecurityTest, ServerThatVerifiesClientsNeedsTheClientCertificate) {
  std::vector<std::string> arguments = TlsServerArguments();
  arguments.insert(arguments.end(), {"--tlsverify", "--tlscacert", TestData("ca.pem")});
  StartServer(arguments);
  ExpectRefused({}, TrustingTls(), absl::StatusCode::kFailedPrecondition,
                {"TLS: nats-server at", "client certificate is missing"});
  RemoteTls with_certificate = TrustingTls();
  with_certificate.cert_file = TestData("client.pem");
  with_certificate.key_file = TestData("client.key");
  ExpectAskWorks({}, with_certificate);
}

TEST_F(RemoteSecurityTest, AUserAllowedOneSystemCannotJoinAnother) {
  // Each user may use its own system's subjects only.
  const std::string config = WriteConfig(
      "permissions.conf",
      absl::StrCat("authorization { users = [\n",
                   "  { user: a, password: ", kPassword,
                   ", permissions: { publish: \"a.>\", subscribe: \"a.>\" } }\n",
                   "  { user: b, password: ", kPassword,
                   ", permissions: { publish: \"b.>\", subscribe: \"b.>\" } }\n] }\n"));
  StartServer({"-c", config});
  ExpectAskWorks(UserPassword("a", kPassword), {}, "a");
  absl::Status intruder = Connect(UserPassword("a", kPassword), {}, "b").status();
  EXPECT_EQ(intruder.code(), absl::StatusCode::kPermissionDenied) << intruder;
  EXPECT_NE(intruder.message().find("nats-server refused the subscription to b.reply."),
            absl::string_view::npos)
      << intruder;
  EXPECT_EQ(intruder.message().find(kPassword), absl::string_view::npos) << intruder;
}

TEST_F(RemoteSecurityTest, PublishTheUserMayNotMakeIsCountedNeverSilent) {
  // "reader" may subscribe to the system's subjects and answer, not ask actors.
  const std::string config = WriteConfig(
      "reader.conf",
      absl::StrCat("authorization { users = [ { user: reader, password: ", kPassword,
                   ", permissions: { publish: [\"a.reply.>\", \"a.heartbeat.>\"], "
                   "subscribe: \"a.>\" } } ] }\n"));
  StartServer({"-c", config});
  absl::StatusOr<std::unique_ptr<RemoteNode>> reader =
      Connect(UserPassword("reader", kPassword), {}, "a");
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->stats().permission_violations, 0u);
  harness_.RunInFiber([&] {
    // The server drops the probe; the lookup gives up after failure_detection.
    absl::StatusOr<RemoteRef<Command, Total>> found =
        (*reader)->Lookup<Command, Total>("counter");
    EXPECT_FALSE(found.ok());
  });
  EXPECT_TRUE(testing::WaitUntil([&] { return (*reader)->stats().permission_violations == 1; },
                                 "the refused publish is counted"));
}

TEST(RemoteSecurityOptionsTest, ContradictorySettingsSayWhatIsAllowed) {
  auto connect = [](RemoteAuth auth, RemoteTls tls = {}) {
    RemoteNodeOptions options;
    options.url = "nats://127.0.0.1:1";  // never reached: validation comes first
    options.auth = std::move(auth);
    options.tls = std::move(tls);
    return RemoteNode::Connect(std::move(options)).status();
  };
  RemoteAuth two_ways = UserPassword("alice", kPassword);
  two_ways.token = kToken;
  absl::Status status = connect(two_ways);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "auth: set at most one way to authenticate (auth.token; auth.user and "
            "auth.password; auth.nkey_public_key and auth.nkey_seed_file; "
            "auth.credentials_file; or credentials in the url); got auth.token, auth.user and "
            "auth.password");
  EXPECT_EQ(connect(UserPassword("", kPassword)).message(),
            "auth.password needs auth.user; got a password only");
  RemoteAuth half_nkey;
  half_nkey.nkey_seed_file = TestData("user.nk");
  EXPECT_EQ(connect(half_nkey).message(),
            "auth.nkey_public_key and auth.nkey_seed_file go together; got nkey_seed_file only");
  RemoteAuth bad_key;
  bad_key.nkey_public_key = "SUAX";
  bad_key.nkey_seed_file = TestData("user.nk");
  EXPECT_EQ(connect(bad_key).code(), absl::StatusCode::kInvalidArgument);
  RemoteAuth missing_file;
  missing_file.credentials_file = "/nonexistent/user.creds";
  EXPECT_EQ(connect(missing_file).message(),
            "auth.credentials_file must name a readable file; cannot read "
            "\"/nonexistent/user.creds\": No such file or directory");
  RemoteTls key_only = TrustingTls();
  key_only.key_file = TestData("client.key");
  EXPECT_EQ(connect({}, key_only).message(),
            "tls.cert_file and tls.key_file go together; got key_file only");
  RemoteTls not_a_ca = TrustingTls();
  not_a_ca.ca_file = TestData("user.pub");
  status = connect({}, not_a_ca);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("tls.ca_file: the NATS client cannot use it"),
            absl::string_view::npos)
      << status;
  RemoteTls mismatched_key = TrustingTls();
  mismatched_key.cert_file = TestData("client.pem");
  mismatched_key.key_file = TestData("server.key");
  status = connect({}, mismatched_key);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("Error loading private key"), absl::string_view::npos) << status;
  RemoteTls tls_off;
  tls_off.ca_file = TestData("ca.pem");
  EXPECT_EQ(connect({}, tls_off).message(),
            "tls.ca_file, tls.cert_file, tls.key_file and tls.expected_hostname need TLS on: set "
            "tls.enabled or use a tls:// url");
  RemoteNodeOptions url_and_token;
  url_and_token.url = absl::StrCat("nats://alice:", kPassword, "@127.0.0.1:1");
  url_and_token.auth.token = kToken;
  status = RemoteNode::Connect(url_and_token).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().find(kPassword), absl::string_view::npos) << status;
  EXPECT_EQ(status.message().find(kToken), absl::string_view::npos) << status;
}

}  // namespace
}  // namespace troupe
