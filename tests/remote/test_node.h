// ConnectTestNode: a RemoteNode of a test's own, connected to the test's nats-server
// (nats_server.h).
#ifndef TROUPE_TESTS_REMOTE_TEST_NODE_H_
#define TROUPE_TESTS_REMOTE_TEST_NODE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "troupe/remote/node.h"
#include "troupe/remote/remote_options.h"

namespace troupe::remote_testing {

// Connects the node `name` of `system` to `url`, the other fields from `options`.
// Null, with a test failure saying why, if it cannot.
inline std::unique_ptr<RemoteNode> ConnectTestNode(const std::string& url,
                                                   const std::string& system,
                                                   const std::string& name,
                                                   RemoteNodeOptions options = {}) {
  options.url = url;
  options.system = system;
  options.node_name = name;
  absl::StatusOr<std::unique_ptr<RemoteNode>> node = RemoteNode::Connect(options);
  EXPECT_TRUE(node.ok()) << node.status();
  return node.ok() ? *std::move(node) : nullptr;
}

}  // namespace troupe::remote_testing

#endif  // TROUPE_TESTS_REMOTE_TEST_NODE_H_
