import { packageConfig } from "../../vitest.shared.ts";

// Integration tests spawn the CLI, registries and podman: give them room on a loaded 2-core box.
export default packageConfig("cli", { testTimeout: 60_000 });
