/** Limits the dashboard assumes; the controller's own configuration still decides. */

/** The controller's default EVENTFLOW_MAX_REPLICAS. */
export const MAX_REPLICAS = 20;
