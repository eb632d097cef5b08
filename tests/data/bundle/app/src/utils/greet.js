export function greet(name) {
	return `Grüß dich, ${name} 👋 — ¡hola! こんにちは`;
}
