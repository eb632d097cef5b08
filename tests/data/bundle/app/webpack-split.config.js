// webpack production build of the fixture app with code splitting: a
// dynamic import() chunk and a splitChunks vendors chunk, content-hashed
// names; the test passes --env out=DIR and --env devtool=DEVTOOL.
const path = require('path');
module.exports = (env) => ({
	mode: 'production',
	context: __dirname,
	entry: './src/split.js',
	devtool: env.devtool,
	output: {
		path: path.resolve(env.out),
		filename: '[name].[contenthash:6].js',
		chunkFilename: '[name].[contenthash:6].js',
	},
	resolve: { symlinks: false },
	module: { rules: [{ test: /\.css$/, type: 'asset/source' }] },
	optimization: {
		splitChunks: {
			chunks: 'all',
			cacheGroups: { vendors: { test: /node_modules/, name: 'vendors' } },
		},
	},
});
