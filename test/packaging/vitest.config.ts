import { packageConfig } from "../../vitest.shared.ts";

// Packaging tier: the bins as npm links them, the packed packages, and a newcomer's project
// installed from them through a real npm registry (Verdaccio) on loopback. npm installs and
// a deploy to a real controller take their time on a loaded 2-core box.
export default packageConfig("packaging", { testTimeout: 240_000, include: ["*.test.ts"] });
