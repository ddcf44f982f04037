#!/usr/bin/env node
import { runMain } from "./main.js";

const file = process.argv[2];
if (file === undefined || file === "--help" || file === "-h") {
  process.stderr.write(
    "usage: eventflow-runtime HANDLER_FILE\n\nServes the handler's default export over HTTP on PORT (default 8080).\n" +
      "Configuration: see the EVENTFLOW_* variables in @eventflow/runtime's README.\n",
  );
  process.exit(file === undefined ? 2 : 0);
}
await runMain({ file });
