#include "cli/diff_command.h"

#include <cstdio>

#include "diff/table_diff.h"

namespace sluice::cli {

CLI::App* AddDiffCommand(CLI::App* app, DiffFlags* flags) {
  auto* cmd = app->add_subcommand(
      "diff",
      "Compare a table on two databases (MariaDB/MySQL, PostgreSQL) row for row; exit 0 "
      "only when equal, 3 when different");
  cmd->add_option("--left", flags->left,
                  "mysql://user:password@host:3306/[?database=other] or "
                  "postgres://user:password@host:5432/db[?schema=other]")
      ->required();
  cmd->add_option("--right", flags->right, "The other database, same URI forms")->required();
  cmd->add_option("--table", flags->table,
                  "database.table (the schema on PostgreSQL; remap with database=/schema=)")
      ->required();
  cmd->add_option("--key", flags->key, "Key column(s); default: the left table's primary key")
      ->delimiter(',');
  cmd->add_option("--ignore-columns", flags->ignore_columns, "Columns not to compare")
      ->delimiter(',');
  cmd->add_option("--max-report", flags->max_report, "Differences listed in detail")
      ->capture_default_str();
  return cmd;
}

int RunDiff(const DiffFlags& flags) {
  diff::DiffOptions o;
  o.left_uri = flags.left;
  o.right_uri = flags.right;
  o.table = flags.table;
  o.key = flags.key;
  o.ignore_columns = flags.ignore_columns;
  o.max_report = flags.max_report;
  auto report = diff::DiffTables(o);
  if (!report.ok()) {
    std::fprintf(stderr, "sluice: error: %s\n", report.status().message().c_str());
    return 1;
  }
  std::printf("%s: %s: %s\n", flags.table.c_str(), report->equal() ? "EQUAL" : "DIFFERENT",
              report->ToString().c_str());
  return report->equal() ? 0 : 3;
}

}  // namespace sluice::cli
