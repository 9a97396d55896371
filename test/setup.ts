import "reflect-metadata";
import fc from "fast-check";

// Property tests draw the same inputs on every run, so that a CI result can
// be repeated; FC_SEED=random (or a number) explores other inputs locally.
const seed = process.env.FC_SEED;
if (seed !== "random") fc.configureGlobal({ seed: seed === undefined ? 20261126 : Number(seed) });
