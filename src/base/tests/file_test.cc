#include "base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::base {
namespace {

std::filesystem::path TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("sluice_file_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ReadFile, ReadsAWholeFile) {
  auto path = TempDir() / "a.toml";
  std::ofstream(path) << "[filter]\nrules = ['a.*']\n";
  auto r = ReadFile(path.string(), "config file");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "[filter]\nrules = ['a.*']\n");
}

TEST(ReadFile, ADirectoryIsAnErrorNotAnEmptyFile) {
  auto dir = TempDir();
  auto r = ReadFile(dir.string(), "config file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos);
  EXPECT_NE(r.status().message().find(dir.string()), std::string::npos);
}

TEST(ReadFile, AMissingFileIsAnError) {
  auto missing = ReadFile((TempDir() / "nope.toml").string(), "config file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace sluice::base
