export { authFileCredentials, type AuthFileOptions } from "./auth-file.js";
export { createLocalDriver } from "./local-driver.js";
export type { DriverLogger } from "../driver.js";
export type { LocalDriverOptions } from "./local-driver.js";
export type { RestartBackoff } from "./backoff.js";
export type { PortRange } from "./ports.js";
