// The controller arm: the real composition root (`startController` from @eventflow/controller's
// build, configured from the environment like the `eventflow-controller` bin) with the local
// driver. Writes the first ready replica's URL, key and pids to ENDPOINT_FILE so the other arms
// proxy to the very same function process (each adding the key, as the controller does).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig, startController } from "@eventflow/controller";

const config = parseConfig(process.env);
const controller = await startController(config);
const timer = setInterval(async () => {
  for (const fn of await controller.driver.list()) {
    const [ep] = controller.driver.endpoints(fn.tenant, fn.name);
    if (!ep) continue;
    const run = join(config.dataDir, "run");
    const pids = readdirSync(run).map((f) => JSON.parse(readFileSync(join(run, f), "utf8")).pid);
    writeFileSync(process.env.ENDPOINT_FILE, JSON.stringify({ url: ep.url, key: ep.key, pids }));
    clearInterval(timer);
    return;
  }
}, 20);
const stop = () => controller.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
