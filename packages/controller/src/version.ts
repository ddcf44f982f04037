/** The controller's version, reported in /openapi.json. */
export const CONTROLLER_VERSION = "0.1.0";
