/**
 * `serverless-eventflow`: a Serverless Framework provider plugin that deploys the functions of
 * serverless.yml to EventFlow. List it under `plugins` and set `provider.name: eventflow`.
 * @packageDocumentation
 */
import { EventFlowProvider } from "./provider.js";

export default EventFlowProvider;
export { EventFlowProvider, PROVIDER_NAME } from "./provider.js";
export {
  buildProviderDefinition,
  buildFunctionSchema,
  providerSchema,
  toFrameworkSchema,
  type ProviderConfig,
  type ServerlessFunction,
} from "./config-schema.js";
export {
  buildServiceSpecs,
  parseHandler,
  DEFAULT_RETRY_BACKOFF,
  HANDLER_EXPORTS,
  type HandlerRef,
  type MappedFunction,
  type MappedService,
  type ServiceInput,
} from "./service-spec.js";
export { toCronSchedule, ScheduleError, type ConvertedSchedule } from "./schedule.js";
