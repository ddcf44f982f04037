/// <reference lib="dom" />
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// jsdom has no layout: Recharts' ResponsiveContainer needs ResizeObserver to exist.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  if (typeof sessionStorage !== "undefined") sessionStorage.clear();
});
