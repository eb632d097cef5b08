export * from './clamp.js';
export * from './greet.js';
export * from './pad.js';
export { default as unused } from './unused.js';
