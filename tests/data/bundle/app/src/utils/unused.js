export default function unused() {
	return 'never called: tree shaking drops me';
}
