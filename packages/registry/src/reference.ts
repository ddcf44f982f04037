// The reference grammar is @eventflow/protocol's (browser-safe: the dashboard checks images too).
export {
  DOCKER_HUB,
  manifestIdentifier,
  parseImageSource,
  parseReference,
  parseRepository,
  toImageReference,
  withReference,
  type ImageReference,
  type ImageSource,
  type RepositoryReference,
} from "@eventflow/protocol";
