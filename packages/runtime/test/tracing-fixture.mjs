// Calls DOWNSTREAM_URL with fetch, logs, and answers with ctx.trace and whether an
// OpenTelemetry API was registered in this process (it must not be with tracing off).
export default async function traced(_event, ctx) {
  const res = await fetch(process.env.DOWNSTREAM_URL);
  await res.arrayBuffer();
  console.log("fetched downstream");
  const otel = Object.getOwnPropertySymbols(globalThis).some((s) =>
    String(s.description).startsWith("opentelemetry.js.api"),
  );
  return { trace: ctx.trace ?? null, otel };
}
