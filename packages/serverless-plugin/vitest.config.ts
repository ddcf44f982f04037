import { packageConfig } from "../../vitest.shared.ts";

// The framework tests run `osls` as a child process (a large CLI to load) against a controller
// and build real images: give them room on a loaded 2-core box.
export default packageConfig("serverless-plugin", { testTimeout: 120_000 });
