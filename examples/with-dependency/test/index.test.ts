import { describe, expect, it } from "vitest";
import { invoke } from "@eventflow/sdk/testing";
import signUp from "../src/index.js";

describe("with-dependency", () => {
  it("creates a sign-up with the default plan", async () => {
    const res = await invoke(signUp, {
      method: "POST",
      body: { email: "ada@example.com", name: "Ada" },
      requestId: "r-1",
    });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ email: "ada@example.com", name: "Ada", plan: "free", id: "r-1" });
  });

  it("reports every invalid field", async () => {
    const res = await invoke(signUp, {
      method: "POST",
      body: { email: "nope", name: "", extra: 1 },
    });
    expect(res.status).toBe(400);
    const { error } = res.json<{ error: { code: string; details: Array<{ path: string }> } }>();
    expect(error.code).toBe("SIGNUP_INVALID");
    expect(error.details.map((d) => d.path).sort()).toEqual(["", "email", "name"]);
  });
});
