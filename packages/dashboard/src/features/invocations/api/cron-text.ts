/**
 * A cron pattern in words for the common shapes ("every 5 minutes", "every day at 03:00"), or
 * undefined when the pattern is anything else (the page then shows the pattern alone). The
 * controller parses crons fully; this only reads the shapes people write most.
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const isNumber = (field: string) => /^\d{1,2}$/.test(field);
/** `*` as 1, `*\/N` as N, anything else undefined. */
const stepOf = (field: string) =>
  field === "*" ? 1 : /^\*\/(\d+)$/.test(field) ? Number(field.slice(2)) : undefined;
const every = (n: number, unit: string) => (n === 1 ? `every ${unit}` : `every ${n} ${unit}s`);
const clock = (hour: string, minute: string) =>
  `${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`;

function dayOfWeek(field: string): string | undefined {
  if (field === "1-5" || field.toLowerCase() === "mon-fri") return "every weekday";
  const i = isNumber(field) ? Number(field) % 7 : DAY_NAMES.indexOf(field.toLowerCase());
  return i >= 0 && i < 7 ? `every ${DAYS[i]}` : undefined;
}

/** The five fields of minute, hour, day of month, month, day of week. */
function describeFive([minute, hour, dom, month, dow]: string[]): string | undefined {
  if (month !== "*") return undefined;
  const minuteStep = stepOf(minute!);
  const hourStep = stepOf(hour!);
  if (dom === "*" && dow === "*") {
    if (minuteStep !== undefined && hour === "*") return every(minuteStep, "minute");
    if (!isNumber(minute!)) return undefined;
    const at = minute === "0" ? "" : ` at minute ${minute}`;
    if (hourStep !== undefined) return `${every(hourStep, "hour")}${at}`;
    if (isNumber(hour!)) return `every day at ${clock(hour!, minute!)}`;
    return undefined;
  }
  if (!isNumber(minute!) || !isNumber(hour!)) return undefined;
  if (dom === "*") {
    const days = dayOfWeek(dow!);
    return days && `${days} at ${clock(hour!, minute!)}`;
  }
  if (isNumber(dom!) && dow === "*") return `every month on day ${dom} at ${clock(hour!, minute!)}`;
  return undefined;
}

/** `cron` (5 fields, or 6 with seconds first) in words, or undefined for other shapes. */
export function describeCron(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 5) return describeFive(fields);
  if (fields.length !== 6) return undefined;
  const [seconds, ...rest] = fields;
  const secondStep = stepOf(seconds!);
  if (secondStep !== undefined && rest.every((f) => f === "*")) return every(secondStep, "second");
  return seconds === "0" ? describeFive(rest) : undefined;
}
