export { buildSampler } from "./sampler.js";
export { createTracingSdk, type TracingSdk, type TracingSdkOptions } from "./tracing-sdk.js";
