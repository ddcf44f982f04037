import { describe, expect, it } from "vitest";
import { secretKeySchema } from "../src/function-spec/index.js";

describe("secret keys", () => {
  it.each(["api-key", "API_KEY", "tls.crt", ".hidden", "a..b"])("%s is a key", (key) => {
    expect(secretKeySchema.safeParse(key).success).toBe(true);
  });

  // What Kubernetes refuses in a Secret, and what would reach outside or into the kubelet's own
  // entries of a secret volume (..data, ..2026_12_05...).
  it.each([".", "..", "..data", "..2026_12_05_18_00_00.1", "a/b", "", "x".repeat(254)])(
    "%j is refused",
    (key) => {
      expect(secretKeySchema.safeParse(key).success).toBe(false);
    },
  );
});
