export { createSqliteStore } from "./sqlite-store.js";
export type { LogRange, NewLogLine, Store, StoredFunction, StoredLogLine } from "./sqlite-store.js";
