// Shared helpers for tests that need a real OCI registry (the registry, CLI and controller tiers).
export {
  REGISTRY_BINARY,
  freePort,
  startRegistry,
  type StartRegistryOptions,
  type TestRegistry,
} from "./registry.ts";
export {
  startTokenServer,
  signRegistryToken,
  type AccessEntry,
  type TokenServer,
  type TokenServerOptions,
} from "./token-server.ts";
export { makeSigningFiles, makeTlsFiles, type SigningFiles, type TlsFiles } from "./certs.ts";
export { skopeo, skopeoFlags, skopeoInspect, umoci } from "./skopeo.ts";
