/**
 * Building blocks of the controller's one env schema, shared by the modules that contribute
 * variables to it (config.ts, async/config.ts, autoscale/config.ts, local-driver-config.ts).
 */
import { z } from "zod";

/** `true`/`false`, `1`/`0`, `yes`/`no`. */
export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");
/** A TCP port (0: any free one). */
export const port = z.coerce.number().int().min(0).max(65_535);
/** An integer from 1 to `max`. */
export const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
/** A string that is not blank. */
export const nonEmpty = z.string().trim().min(1);
