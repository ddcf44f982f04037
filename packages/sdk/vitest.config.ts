import { packageConfig } from "../../vitest.shared.ts";

export default packageConfig("sdk", { typecheck: true });
