// Reads the test environment written by scripts/test-env.sh (KEY=VALUE lines): the ports
// and sockets of the real MariaDB and Kafka started for integration tests.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace sluice::testing {

inline const std::map<std::string, std::string>& TestEnv() {
  static const std::map<std::string, std::string> env = [] {
    std::map<std::string, std::string> m;
    const char* path = std::getenv("SLUICE_TEST_ENV");
    if (!path) return m;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("export ", 0) == 0) line = line.substr(7);
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string v = line.substr(eq + 1);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      m[line.substr(0, eq)] = v;
    }
    return m;
  }();
  return env;
}

// Returns the value of `key`; throws (failing the test) if the environment is missing,
// so an integration test can never pass without its servers.
inline std::string Env(const std::string& key) {
  auto& env = TestEnv();
  auto it = env.find(key);
  if (it == env.end()) {
    throw std::runtime_error("test environment lacks " + key +
                             "; run the tests through ctest so the servers fixture starts");
  }
  return it->second;
}

}  // namespace sluice::testing
