// `sluice diff`: compares one table on two databases row for row (diff/table_diff.h)
// and exits 0 only when they are equal.
//
//   sluice diff --left mysql://u:p@h:3306/ --right postgres://u:p@h:5432/db --table shop.orders
//               [--key id[,id2]] [--ignore-columns c1,c2] [--max-report 10]
//
// Exit codes: 0 equal, 3 different (the report is printed), 1 error (one line naming the fix),
// 2 usage error.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sluice::cli {

struct DiffFlags {
  std::string left;
  std::string right;
  std::string table;
  std::vector<std::string> key;
  std::vector<std::string> ignore_columns;
  size_t max_report = 10;
};

CLI::App* AddDiffCommand(CLI::App* app, DiffFlags* flags);
int RunDiff(const DiffFlags& flags);

}  // namespace sluice::cli
