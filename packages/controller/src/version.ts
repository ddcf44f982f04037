/**
 * The controller's version, reported in /openapi.json, /healthz and /readyz (what `eventflow
 * version` shows as the server's). Written here rather than read from package.json at run time:
 * the controller image carries one bundled file and no package.json of the controller's.
 * test/version.test.ts keeps it equal to package.json's version.
 */
export const CONTROLLER_VERSION = "0.1.0";
