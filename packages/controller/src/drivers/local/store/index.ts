export { scheduleBackups, writeBackup } from "./backup.js";
export { createSqliteStore, isValidRow } from "./sqlite-store.js";
export type {
  InvalidStoredFunction,
  LogRange,
  NewLogLine,
  Store,
  StoredFunction,
  StoredLogLine,
} from "./sqlite-store.js";
export type { StoredSecret } from "./secret-rows.js";
