// The SQLite schema and its forward-only migrations. The version lives in PRAGMA user_version.
#pragma once

#include "common/result.h"
#include "store/sqlite/db.h"

namespace ab::sqlite {

// The newest schema this binary knows.
int SchemaVersion();

// Brings the database up to SchemaVersion(), one transaction per migration. Refuses a database
// written by a newer binary rather than guess at columns it does not know.
Status Migrate(Db& db);
// Migrates up to `version` only (<= SchemaVersion()); tests build older databases with it.
Status MigrateTo(Db& db, int version);

}  // namespace ab::sqlite
