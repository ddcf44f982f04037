import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { errorText, showServerError } from "../../src/lib/server-errors.ts";

type Values = { name: string; image: string };

/** The calls a form's setError gets. */
function collect(error: unknown, fieldOf?: (e: EventFlowError) => "name" | undefined) {
  const calls: [string, string, boolean][] = [];
  showServerError<Values>(
    error,
    (field, e, options) => calls.push([field, e.message ?? "", options?.shouldFocus === true]),
    { ...(fieldOf ? { fieldOf } : {}), toFieldPath: (p) => (p === "image" ? p : "root.server") },
  );
  return calls;
}

describe("server errors", () => {
  it.each([
    [
      new EventFlowError("SECRET_IN_USE", "secret s is used by f", { status: 409 }),
      "secret s is used by f (SECRET_IN_USE)",
    ],
    [new Error("network down"), "network down"],
    ["odd", "odd"],
  ])("errorText(%s) is %s", (error, text) => {
    expect(errorText(error)).toBe(text);
  });

  it("puts an error on the field its code concerns, with its code, and focuses it", () => {
    const conflict = new EventFlowError("FUNCTION_ALREADY_EXISTS", "taken", { status: 409 });
    expect(
      collect(conflict, (e) => (e.code === "FUNCTION_ALREADY_EXISTS" ? "name" : undefined)),
    ).toEqual([["name", "taken (FUNCTION_ALREADY_EXISTS)", true]]);
  });

  it("puts each validation detail on the field it names, the rest on the form", () => {
    const invalid = new EventFlowError("REQUEST_VALIDATION_FAILED", "invalid body", {
      status: 400,
      details: [
        { path: "image", message: "not a reference" },
        { path: "cors.allowOrigins.0", message: "bad origin" },
      ],
    });
    expect(collect(invalid)).toEqual([
      ["image", "not a reference", false],
      ["root.server", "bad origin", false],
    ]);
  });

  it("shows any other error on the whole form with its code", () => {
    const gone = new EventFlowError("SECRETS_UNSUPPORTED", "no store", { status: 501 });
    expect(collect(gone)).toEqual([["root.server", "no store (SECRETS_UNSUPPORTED)", false]]);
    expect(collect(new TypeError("failed to fetch"))).toEqual([
      ["root.server", "failed to fetch", false],
    ]);
  });
});
