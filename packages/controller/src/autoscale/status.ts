/**
 * The autoscaler's view in the API's function answers: a driver whose `get` and `list` add
 * `autoscaler` (what this controller's loop last decided, and the invocations it holds) to each
 * request-driven function it knows about. The rest of the driver is unchanged.
 */
import type { AutoscalerStatus } from "@eventflow/protocol";
import type { Driver, FunctionStatus } from "../drivers/driver.js";

export function withAutoscalerStatus(
  driver: Driver,
  status: (fnKey: string) => AutoscalerStatus | undefined,
  queued: (fnKey: string) => number,
): Driver {
  const add = (s: FunctionStatus): FunctionStatus => {
    const key = `${s.tenant}/${s.name}`;
    const a = status(key);
    return a === undefined ? s : { ...s, autoscaler: { ...a, queued: queued(key) } };
  };
  return Object.assign(Object.create(driver) as Driver, {
    get: async (tenant: string, name: string) => add(await driver.get(tenant, name)),
    list: async (tenant?: string) => (await driver.list(tenant)).map(add),
  });
}
