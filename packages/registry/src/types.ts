/** A content descriptor: what a manifest or index says about one blob or manifest. */
export interface Descriptor {
  /** Media type of the referenced content. */
  readonly mediaType: string;
  /** `sha256:<hex>` digest of the referenced bytes. */
  readonly digest: string;
  /** Size in bytes of the referenced content. */
  readonly size: number;
  /** Platform, for entries of an index. */
  readonly platform?: Platform;
  /** Free-form annotations (e.g. `org.opencontainers.image.ref.name`). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Artifact type, for artifact manifests. */
  readonly artifactType?: string;
  /** Alternative URLs (foreign layers). */
  readonly urls?: readonly string[];
}

/** The platform an image runs on (OCI image-index `platform`). */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  readonly os: string;
  /** CPU architecture in Go's naming, e.g. `amd64`, `arm64`. */
  readonly architecture: string;
  /** CPU variant, e.g. `v8` for arm64 or `v7` for arm. */
  readonly variant?: string;
  /** Operating system version (Windows images). */
  readonly "os.version"?: string;
  /** Required OS features (Windows images). */
  readonly "os.features"?: readonly string[];
}

/** An OCI image manifest or Docker v2 schema 2 manifest. */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  /** The image configuration blob. */
  readonly config: Descriptor;
  /** Filesystem layers, base first. */
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image index or Docker manifest list. */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  /** One descriptor per platform-specific manifest (or nested index). */
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}
