#!/usr/bin/env node
/** `eventflow-controller`: parses the environment once, starts, and stops cleanly on SIGTERM/SIGINT. */
import { isEventFlowError, type FieldIssue } from "@eventflow/protocol";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildBanner } from "./banner.js";
import { parseConfig, type Config } from "./config.js";
import { DEFAULT_DASHBOARD_DIR } from "./http/dashboard.js";
import { startController } from "./server.js";
import { CONTROLLER_VERSION } from "./version.js";

function readConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (isEventFlowError(error) && error.code === "CONFIG_INVALID") {
      const issues = (error.details ?? []) as FieldIssue[];
      process.stderr.write("eventflow-controller: invalid configuration (CONFIG_INVALID):\n");
      for (const issue of issues) process.stderr.write(`  ${issue.path} ${issue.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
try {
  const controller = await startController(config);
  // A person started it in a terminal: say where things are (logs stay JSON either way).
  if (process.stdout.isTTY) {
    process.stdout.write(
      buildBanner({
        version: CONTROLLER_VERSION,
        url: controller.url,
        metricsUrl: controller.metricsUrl,
        driver: controller.driver.name,
        devAuth: config.auth.devAuth,
        dashboard: existsSync(join(DEFAULT_DASHBOARD_DIR, "index.html")),
        ...(config.driver === "local" ? { dataDir: config.dataDir } : {}),
      }),
    );
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    controller.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `eventflow-controller: shutdown after ${signal} failed: ${String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (error) {
  const code = isEventFlowError(error) ? `${error.code}: ` : "";
  process.stderr.write(
    `eventflow-controller: failed to start: ${code}${error instanceof Error ? error.message : String(error)}\n`,
  );
  if (error instanceof Error && error.cause !== undefined)
    process.stderr.write(`  cause: ${String(error.cause)}\n`);
  process.exit(1);
}
