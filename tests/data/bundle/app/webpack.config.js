// webpack build of the fixture app (tests/e2e/t-bundle-webpack.sh); the
// test passes --env out=DIR and mode.
const path = require('path');
module.exports = (env) => ({
	mode: env.mode || 'production',
	context: __dirname,
	entry: './src/index.js',
	devtool: 'source-map',
	output: { path: path.resolve(env.out), filename: 'main.js' },
	resolve: { symlinks: false },
	module: { rules: [{ test: /\.css$/, type: 'asset/source' }] },
	stats: { reasons: true, modules: true, chunks: true },
});
