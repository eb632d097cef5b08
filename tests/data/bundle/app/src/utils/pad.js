export function pad(n, width) {
	return String(n).padStart(width, '0');
}
