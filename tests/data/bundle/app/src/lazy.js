// Loaded on demand by split.js: its own chunk, lodash from the vendors one.
import kebabCase from 'lodash/kebabCase';

export default function lazy(name) {
	return kebabCase(name) + ' — à la carte';
}
