// The fixture app of tests/e2e/t-bundle*.sh: lodash and moment whole on
// purpose, ms twice (2.0.0 here, 2.1.x under debug), a barrel file, and
// non-ASCII text (2-, 3- and 4-byte UTF-8, astral characters included).
import _ from 'lodash';
import moment from 'moment';
import 'moment/locale/fr';
import 'moment/locale/de';
import ms from 'ms';
import createDebug from 'debug';
import { clamp, greet, pad } from './utils';
import { banner, logo } from './strings.js';
import './style.css';

const log = createDebug('app');

export function main(now) {
	const when = moment(now).locale('fr').format('LLLL');
	const parts = _.chunk(_.range(10), 3).map((c) => _.sum(c));
	log('started %s', ms(1500));
	return [banner, greet('Zoë'), pad(clamp(42, 0, 10), 4), when, parts.join('·'), logo.length].join(' — ');
}

main(Date.UTC(2024, 0, 1));
