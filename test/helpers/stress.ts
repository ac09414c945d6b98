/**
 * Sizes for the stress tests: CI runs them small enough to finish in a few minutes, `npm run test:long` (which
 * sets STRESS_LONG=1) runs them at full size.
 */
export const LONG = process.env.STRESS_LONG === "1";

/** `ci` in the default run, `long` in the long mode. */
export const sized = (ci: number, long: number): number => (LONG ? long : ci);
