// Entry of the code-split webpack build (webpack-split.config.js): the
// app, and a chunk loaded on demand by dynamic import().
import { main } from './index.js';

export function later(name) {
	return import('./lazy.js').then((m) => m.default(name) + main(0).length);
}
