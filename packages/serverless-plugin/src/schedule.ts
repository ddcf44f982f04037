/**
 * Serverless schedule expressions (`rate(5 minutes)`, `cron(0 12 * * ? *)`) as EventFlow cron
 * patterns. Pure. AWS's cron has six fields, minutes first and a year last, `?` for "any" and
 * day-of-week 1-7 from Sunday; EventFlow's has five (or six with seconds first) and day-of-week
 * 0-6 from Sunday, so the year is dropped (only `*` converts), `?` becomes `*` and numeric
 * days of week shift down by one.
 */

/** A converted expression and what did not convert exactly. */
export interface ConvertedSchedule {
  readonly cron: string;
  readonly warnings: readonly string[];
}

/** Why an expression cannot be converted (the caller names the key). */
export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
}

const UNITS: Readonly<Record<string, "minute" | "hour" | "day">> = {
  minute: "minute",
  minutes: "minute",
  hour: "hour",
  hours: "hour",
  day: "day",
  days: "day",
};

function fromRate(body: string): ConvertedSchedule {
  const match = /^\s*([0-9]+)\s+([a-z]+)\s*$/.exec(body);
  const unit = match ? UNITS[match[2]!] : undefined;
  const value = match ? Number(match[1]) : 0;
  if (!match || unit === undefined || value < 1)
    throw new ScheduleError(
      `rate(${body}) is not a rate: write rate(N minutes|hours|days) with N >= 1`,
    );
  const minutes = unit === "minute" ? value : unit === "hour" ? value * 60 : value * 1440;
  if (minutes === 1) return { cron: "* * * * *", warnings: [] };
  if (minutes < 60) return every(`*/${minutes} * * * *`, 60 % minutes === 0, body);
  if (minutes % 1440 === 0) {
    const days = minutes / 1440;
    return days === 1
      ? { cron: "0 0 * * *", warnings: [] }
      : every(`0 0 */${days} * *`, false, body);
  }
  if (minutes % 60 === 0 && minutes < 1440) {
    const hours = minutes / 60;
    return every(`0 */${hours} * * *`, 24 % hours === 0, body);
  }
  throw new ScheduleError(
    `rate(${body}) has no cron equivalent: use minutes below 60, whole hours below 24 or whole days`,
  );
}

function every(cron: string, exact: boolean, body: string): ConvertedSchedule {
  return {
    cron,
    warnings: exact
      ? []
      : [`rate(${body}) runs as cron ${cron}, which restarts its count at each hour, day or month`],
  };
}

/** AWS day-of-week (1-7 from Sunday, or SUN-SAT) as cron's (0-6 from Sunday). */
function shiftDayOfWeek(field: string): string {
  return field.replace(/[0-9]+/g, (digits, offset: number, whole: string) => {
    // The number after `#` is the week of the month, not a day.
    if (offset > 0 && whole[offset - 1] === "#") return digits;
    const day = Number(digits);
    if (day < 1 || day > 7)
      throw new ScheduleError(`day-of-week ${digits} is out of range (AWS counts 1-7 from Sunday)`);
    return String(day - 1);
  });
}

function fromCron(body: string): ConvertedSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length === 5) return { cron: fields.join(" "), warnings: [] };
  if (fields.length !== 6)
    throw new ScheduleError(
      `cron(${body}) needs AWS's 6 fields (minutes hours day-of-month month day-of-week year) or 5 standard ones`,
    );
  const [minutes, hours, dom, month, dow, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (year !== "*" && year !== "?")
    throw new ScheduleError(
      `cron(${body}) restricts the year (${year}); EventFlow schedules repeat every year: use *`,
    );
  const any = (f: string) => (f === "?" ? "*" : f);
  return {
    cron: [minutes, hours, any(dom), month, shiftDayOfWeek(any(dow))].join(" "),
    warnings: [],
  };
}

/** Converts `rate(...)` or `cron(...)`; throws {@link ScheduleError} for anything else. */
export function toCronSchedule(expression: string): ConvertedSchedule {
  const match = /^\s*(rate|cron)\((.*)\)\s*$/s.exec(expression);
  if (!match)
    throw new ScheduleError(
      `${JSON.stringify(expression)} is not a schedule: write rate(5 minutes) or cron(0 12 * * ? *)`,
    );
  return match[1] === "rate" ? fromRate(match[2]!) : fromCron(match[2]!);
}
