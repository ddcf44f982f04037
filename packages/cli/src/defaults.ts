/** The CLI's defaults, each written once. */
import { join } from "node:path";

/** The default base: the official Node 24 image (slim variant). */
export const DEFAULT_BASE = "docker.io/library/node:24-slim";

/** The tag an image reference without one gets (the reference grammar's). */
export { DEFAULT_TAG } from "@eventflow/protocol";

/** The default place `eventflow build` writes to and `eventflow push` reads from. */
export const LOCAL_LAYOUT = join(".eventflow", "oci");
