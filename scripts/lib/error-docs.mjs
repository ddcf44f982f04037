// Renders docs/errors.md from the code table; shared by the generator and the drift test.
export function renderErrorDocs(codes) {
  const rows = Object.entries(codes).map(
    ([code, info]) =>
      `| \`${code}\` | ${info.status} | ${info.retryable ? "yes" : "no"} | ${info.expose ? "yes" : "no"} | ${info.description} |`,
  );
  return `# Error codes

<!-- Generated from packages/protocol/src/error-codes.ts by \`npm run docs:errors\`; do not edit by hand. -->

Every error the platform itself returns (not a function's own 4xx/5xx, which pass through
unchanged) is JSON in one envelope:

\`\`\`json
{ "error": { "code": "FUNCTION_NOT_FOUND", "message": "...", "requestId": "...", "details": [] } }
\`\`\`

- \`code\` is stable: codes are never renamed or reused, so scripts may branch on them.
- \`message\` is for people. For codes that are not exposed (most 5xx) it is a generic text and the
  real error is in the server log under \`requestId\`.
- \`details\` carries structured data, e.g. one \`{path, message}\` per invalid field.
- *Retryable* means the same request may succeed later unchanged (the SDK client retries
  idempotent calls on these).

Errors thrown by a handler with \`new HttpError(status, message, { code })\` use the same envelope
with the handler's own code (default: a name for the status such as \`NOT_FOUND\`).

The CLI maps errors to exit codes: 0 ok, 1 operation failed, 2 usage or config error, 130 interrupted.

| code | HTTP status | retryable | message exposed | meaning |
|---|---|---|---|---|
${rows.join("\n")}
`;
}
