import { z } from "zod";
import { HttpError, type Context, type HttpEvent } from "@eventflow/sdk";

const SignUp = z.strictObject({
  email: z.email(),
  name: z.string().min(1).max(100),
  plan: z.enum(["free", "team", "enterprise"]).default("free"),
});

/** A validated sign-up. */
export type SignUp = z.infer<typeof SignUp>;

/** Validates a sign-up with zod (an npm dependency, bundled into the image by the CLI). */
export default function signUp(
  event: HttpEvent,
  ctx: Context,
): { statusCode: 201; body: SignUp & { id: string } } {
  const parsed = SignUp.safeParse(event.body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    throw new HttpError(400, "invalid sign-up", { code: "SIGNUP_INVALID", details });
  }
  ctx.log.info("signed up", { plan: parsed.data.plan });
  return { statusCode: 201, body: { ...parsed.data, id: ctx.requestId } };
}
