// The layer rules of eslint.config.js, broken on purpose: each import that crosses a layer is
// linted as if it stood in a file of the restricted directory, and must fail; the same file
// with an allowed import must pass. `npm run lint` keeps the real tree within the rules.
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The rules that fired on `code` linted as the (not existing) file `path` of the repository. */
async function rulesFiredOn(path: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return result!.messages.map((m) => m.ruleId);
}

const use = (source: string) => `import { x } from "${source}";\nexport const y = x;\n`;
const CONTROLLER = "packages/controller/src";
const FEATURES = "packages/dashboard/src/features";

describe("layer rules", () => {
  it.each([
    [`${CONTROLLER}/drivers/local/probe.ts`, "../../http/errors.js"],
    [`${CONTROLLER}/drivers/kubernetes/probe.ts`, "../../routes/tenancy.js"],
    [`${CONTROLLER}/drivers/probe.ts`, "../invoke/index.js"],
    [`${CONTROLLER}/drivers/local/store/probe.ts`, "../../../invoke/headers.js"],
    [`${CONTROLLER}/invoke/probe.ts`, "../http/errors.js"],
    [`${FEATURES}/logs/components/probe.tsx`, "../../functions/api/function-queries.ts"],
    [`${FEATURES}/functions/probe.ts`, "../metrics/api/metrics-queries.ts"],
  ])("%s may not import %s", async (path, source) => {
    expect(await rulesFiredOn(path, use(source))).toEqual(["no-restricted-imports"]);
  });

  it.each([
    [`${CONTROLLER}/drivers/local/probe.ts`, "../driver.js"],
    [`${CONTROLLER}/drivers/kubernetes/probe.ts`, "../../auth/principal.js"],
    [`${CONTROLLER}/invoke/probe.ts`, "../envelope.js"],
    [`${CONTROLLER}/routes/probe.ts`, "../invoke/index.js"],
    [`${CONTROLLER}/http/probe.ts`, "../routes/route.js"],
    [`${FEATURES}/logs/components/probe.tsx`, "../hooks/use-logs.ts"],
    [`${FEATURES}/logs/components/probe.tsx`, "../../../lib/format.ts"],
  ])("%s may import %s", async (path, source) => {
    expect(await rulesFiredOn(path, use(source))).toEqual([]);
  });

  it("only config.ts and bin.ts read process.env", async () => {
    const read = "export const path = process.env.PATH;\n";
    expect(await rulesFiredOn(`${CONTROLLER}/drivers/local/probe.ts`, read)).toEqual([
      "no-restricted-properties",
    ]);
    expect(await rulesFiredOn(`${CONTROLLER}/config.ts`, read)).toEqual([]);
  });
});
