/** Schemas of the system routes' answers. */
import { z } from "zod";

/** Answer of `GET /v1/system/config`: settings of this controller that clients show. */
export const systemConfigSchema = z
  .strictObject({
    traceUrlTemplate: z.string().nullable().meta({
      description:
        "A link to one trace (EVENTFLOW_TRACE_URL_TEMPLATE): replace {traceId} with an invocation's trace id; null when not configured.",
      example: "http://jaeger.example:16686/trace/{traceId}",
    }),
  })
  .meta({ id: "SystemConfig" });
