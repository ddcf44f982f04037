import { describe, expect, it } from "vitest";
import { ScheduleError, toCronSchedule } from "../src/schedule.ts";

describe("toCronSchedule", () => {
  it.each([
    ["rate(1 minute)", "* * * * *", 0],
    ["rate(5 minutes)", "*/5 * * * *", 0],
    ["rate(7 minutes)", "*/7 * * * *", 1],
    ["rate(60 minutes)", "0 */1 * * *", 0],
    ["rate(2 hours)", "0 */2 * * *", 0],
    ["rate(5 hours)", "0 */5 * * *", 1],
    ["rate(1 day)", "0 0 * * *", 0],
    ["rate(24 hours)", "0 0 * * *", 0],
    ["rate(3 days)", "0 0 */3 * *", 1],
    // AWS's six fields: minutes hours dom month dow year; ? is any; dow 1-7 from Sunday.
    ["cron(0 12 * * ? *)", "0 12 * * *", 0],
    ["cron(15 10 ? * 6 *)", "15 10 * * 5", 0],
    ["cron(0 8 ? * 2-6 *)", "0 8 * * 1-5", 0],
    ["cron(0 8 ? * MON-FRI *)", "0 8 * * MON-FRI", 0],
    ["cron(0 8 ? * 1,7 *)", "0 8 * * 0,6", 0],
    ["cron(0 9 ? * 3#2 *)", "0 9 * * 2#2", 0],
    ["cron(*/10 * * * ? *)", "*/10 * * * *", 0],
    // Five fields: standard cron, as it is.
    ["cron(*/5 * * * *)", "*/5 * * * *", 0],
  ])("%s -> %s", (expression, cron, warnings) => {
    const converted = toCronSchedule(expression);
    expect(converted.cron).toBe(cron);
    expect(converted.warnings).toHaveLength(warnings);
  });

  it.each([
    "every 5 minutes",
    "rate(0 minutes)",
    "rate(5 weeks)",
    "rate(90 minutes)",
    "cron(0 12 * * ? 2027)",
    "cron(0 12 * *)",
    "cron(0 12 ? * 8 *)",
  ])("refuses %s", (expression) => {
    expect(() => toCronSchedule(expression)).toThrow(ScheduleError);
  });
});
