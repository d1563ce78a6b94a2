#!/usr/bin/env node
// Parse TeX formulas with MathJax 3 (the engine GitHub renders Markdown math with).
//
// stdin : JSON array of {"tex": "...", "display": true|false, "where": "file:line"}
//         (tex is what MathJax receives, i.e. after GitHub's Markdown processing)
// stdout: JSON array of {"where", "tex", "error"} for every formula that fails
// exit  : 1 if any formula fails, 0 otherwise (2 on bad input)
//
// noerrors and noundefined are deliberately NOT loaded, so an undefined macro,
// an unbalanced brace or a misplaced & is a hard error instead of red text.
// A \newcommand (\def, ...) in one formula is not visible in the next one (the
// conservative reading of how GitHub renders): the TeX input jax is rebuilt
// after any formula that defines something.
'use strict';

const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {STATE} = require('mathjax-full/js/core/MathItem.js');
require('mathjax-full/js/input/tex/base/BaseConfiguration.js');
require('mathjax-full/js/input/tex/ams/AmsConfiguration.js');
require('mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js');
require('mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js');
require('mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js');

const PACKAGES = ['base', 'ams', 'newcommand', 'boldsymbol', 'configmacros'];

RegisterHTMLHandler(liteAdaptor());

// Commands whose effect would outlive the formula that uses them.
const DEFINES = /\\(?:(?:re)?newcommand|(?:re)?newenvironment|def|let|DeclareMathOperator|Newextarrow)(?![a-zA-Z])/;

let doc = null;

function freshDocument() {
  const input = new TeX({
    packages: PACKAGES,
    formatError: (jax, err) => { throw err; },
  });
  return mathjax.document('', {InputJax: input});
}

function check(tex, display) {
  if (doc === null) doc = freshDocument();
  try {
    // Stop after the TeX -> internal MathML conversion: parsing is what we test.
    doc.convert(tex, {display: !!display, end: STATE.CONVERT});
  } finally {
    // A formula that defines macros gets its own jax: nothing leaks to the next one.
    if (DEFINES.test(tex)) doc = null;
  }
}

function main() {
  let items;
  try {
    items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    if (!Array.isArray(items)) throw new Error('expected a JSON array');
  } catch (err) {
    process.stderr.write(`check_tex.js: bad input: ${err.message}\n`);
    process.exit(2);
  }
  const failures = [];
  for (const item of items) {
    try {
      if (typeof item.tex !== 'string') throw new Error('"tex" is not a string');
      check(item.tex, item.display);
    } catch (err) {
      failures.push({where: item.where, tex: item.tex, error: String(err && err.message || err)});
    }
  }
  process.stdout.write(JSON.stringify(failures, null, 1) + '\n');
  process.exitCode = failures.length ? 1 : 0;
}

main();
