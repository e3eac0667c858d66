import type { BodySpec } from '../body.ts';

/** The parsed body type of a route's body spec. */
export type BodyOf<Spec> = Spec extends BodySpec<infer Body> ? Body : never;
