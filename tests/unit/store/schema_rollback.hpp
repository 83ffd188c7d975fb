// Turns a file migrated to the latest version back into what an older version left, so that a
// migration is tested on the file it will meet. Each script undoes one migration exactly; a new
// migration adds its own here.
#pragma once

#include "store/sqlite_database.hpp"

namespace tollgate::testing {

// No usage_daily, the four usage_log indexes.
inline constexpr const char* kUndoMigration5 = R"sql(
DROP TABLE usage_daily;
CREATE INDEX usage_log_model_created_at ON usage_log (public_model, created_at);
CREATE INDEX usage_log_account_created_at ON usage_log (account_id, created_at);
CREATE INDEX usage_log_key_created_at ON usage_log (key_prefix, created_at);
DELETE FROM schema_migrations WHERE version = 5;
)sql";

// No keys version: the triggers first, as they write to change_versions.
inline constexpr const char* kUndoMigration6 = R"sql(
DROP TRIGGER api_keys_insert_versions_keys;
DROP TRIGGER api_keys_update_versions_keys;
DROP TRIGGER api_keys_delete_versions_keys;
DROP TRIGGER accounts_insert_versions_keys;
DROP TRIGGER accounts_update_versions_keys;
DROP TRIGGER accounts_delete_versions_keys;
DROP TABLE change_versions;
DELETE FROM schema_migrations WHERE version = 6;
)sql";

// No instance on usage rows.
inline constexpr const char* kUndoMigration7 = R"sql(
ALTER TABLE usage_log DROP COLUMN instance;
DELETE FROM schema_migrations WHERE version = 7;
)sql";

// Undoes the migrations after `version`, newest first, on a file at the latest version.
inline void roll_back_to(store::Database& database, int version) {
  struct Undo {
    int version;
    const char* sql;
  };
  static constexpr Undo kUndos[] = {
      {7, kUndoMigration7}, {6, kUndoMigration6}, {5, kUndoMigration5}};
  for (const Undo& undo : kUndos) {
    if (undo.version > version) database.exec(undo.sql);
  }
}

}  // namespace tollgate::testing
