// Drift test: the protocol's browser-safe API types must match what the controller's zod
// schemas (the API's single source of truth) produce on the wire.
import type {
  AuthConfig,
  DevToken,
  FunctionRevision,
  FunctionStatus,
  InvokeToken,
  LogEvent,
  MetricsSeries,
  RollbackRequest,
  TrafficRequest,
} from "@eventflow/protocol";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type {
  authConfigResponseSchema,
  devTokenResponseSchema,
  invokeTokenResponseSchema,
} from "../../../controller/src/schemas/auth.js";
import type {
  buildFunctionSchemas,
  functionStatusSchema,
} from "../../../controller/src/schemas/functions.js";
import type {
  logEventSchema,
  metricsSeriesSchema,
} from "../../../controller/src/schemas/observe.js";
import type {
  revisionSchema,
  rollbackSchema,
  trafficRequestSchema,
} from "../../../controller/src/schemas/revisions.js";
import type { FunctionCreateRequest, FunctionSpecInput } from "../../src/client/index.js";

// Both directions: what the server sends reads as the protocol type, and the protocol type
// holds nothing the schema lacks.
describe("protocol API types match the controller's schemas", () => {
  it("answers", () => {
    expectTypeOf<z.output<typeof functionStatusSchema>>().toExtend<FunctionStatus>();
    expectTypeOf<FunctionStatus>().toExtend<z.output<typeof functionStatusSchema>>();
    expectTypeOf<z.output<typeof logEventSchema>>().toExtend<LogEvent>();
    expectTypeOf<LogEvent>().toExtend<z.output<typeof logEventSchema>>();
    expectTypeOf<z.output<typeof metricsSeriesSchema>>().toExtend<MetricsSeries>();
    expectTypeOf<MetricsSeries>().toExtend<z.output<typeof metricsSeriesSchema>>();
    expectTypeOf<z.output<typeof invokeTokenResponseSchema>>().toExtend<InvokeToken>();
    expectTypeOf<InvokeToken>().toExtend<z.output<typeof invokeTokenResponseSchema>>();
    expectTypeOf<z.output<typeof devTokenResponseSchema>>().toExtend<DevToken>();
    expectTypeOf<DevToken>().toExtend<z.output<typeof devTokenResponseSchema>>();
    expectTypeOf<z.output<typeof authConfigResponseSchema>>().toExtend<AuthConfig>();
    expectTypeOf<AuthConfig>().toExtend<z.output<typeof authConfigResponseSchema>>();
    expectTypeOf<z.output<typeof revisionSchema>>().toExtend<FunctionRevision>();
    expectTypeOf<FunctionRevision>().toExtend<z.output<typeof revisionSchema>>();
  });
  it("request bodies: the client can say everything the API accepts, and nothing more", () => {
    type Create = z.input<ReturnType<typeof buildFunctionSchemas>["create"]>;
    type Update = z.input<ReturnType<typeof buildFunctionSchemas>["update"]>;
    expectTypeOf<FunctionCreateRequest>().toExtend<Create>();
    expectTypeOf<Create>().toExtend<FunctionCreateRequest>();
    expectTypeOf<FunctionSpecInput>().toExtend<Omit<Update, "name">>();
    expectTypeOf<Omit<Update, "name">>().toExtend<FunctionSpecInput>();
    expectTypeOf<RollbackRequest>().toExtend<z.input<typeof rollbackSchema>>();
    expectTypeOf<z.input<typeof rollbackSchema>>().toExtend<RollbackRequest>();
    expectTypeOf<TrafficRequest>().toExtend<z.input<typeof trafficRequestSchema>>();
    expectTypeOf<z.input<typeof trafficRequestSchema>>().toExtend<TrafficRequest>();
  });
});
