import type { Context, HttpEvent } from "@eventflow/sdk";

/** Runs on its schedule: the schedule's `input` arrives as the event's JSON data. */
export default function report(event: HttpEvent<Record<string, string> | undefined>, ctx: Context) {
  const name = process.env.REPORT_NAME ?? "report";
  const source = event.body?.source ?? "manual";
  ctx.log.info("report ran", { name, source });
  return { report: name, source };
}
