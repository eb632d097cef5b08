// The CSS fixture of tests/e2e/t-bundle-css.sh: the class and id names the
// script uses are strings here; index.html uses others.
import './app.css';

const root = document.querySelector('#app');
const button = document.createElement('button');
button.className = 'btn btn-primary';
button.addEventListener('click', () => root.classList.toggle('is-open'));
root.append(button);
